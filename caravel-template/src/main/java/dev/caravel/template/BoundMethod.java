package dev.caravel.template;

import java.util.List;
import java.util.Map;

/** A Python method looked up on a value ({@code s.strip}, {@code d.items}), callable later. */
record BoundMethod(Object receiver, String name) implements JinjaFunction {

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
        return PyMethods.call(receiver, name, args, kwargs);
    }
}
