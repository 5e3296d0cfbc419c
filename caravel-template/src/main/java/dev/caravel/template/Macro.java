package dev.caravel.template;

import java.util.List;
import java.util.Map;

/**
 * A macro defined with {@code {% macro %}} (or the implicit {@code caller} of a call block). It
 * closes over the scope it was defined in, so it sees that scope's variables as they are when it
 * runs. Whether it accepts extra positional/keyword arguments or a caller depends, as in Jinja2,
 * on whether its body mentions {@code varargs}, {@code kwargs} or {@code caller}.
 */
final class Macro implements JinjaFunction {

    private final String name;
    private final List<Node.Param> params;
    private final List<Node> body;
    private final Scope closure;
    private final Renderer renderer;
    final boolean catchesVarargs;
    final boolean catchesKwargs;
    final boolean catchesCaller;

    Macro(String name, List<Node.Param> params, List<Node> body, Scope closure, Renderer renderer) {
        this.name = name;
        this.params = params;
        this.body = body;
        this.closure = closure;
        this.renderer = renderer;
        NameUsage usage = NameUsage.of(body);
        this.catchesVarargs = usage.uses("varargs");
        this.catchesKwargs = usage.uses("kwargs");
        this.catchesCaller = usage.uses("caller");
    }

    String name() {
        return name;
    }

    List<Node.Param> params() {
        return params;
    }

    List<Node> body() {
        return body;
    }

    Scope closure() {
        return closure;
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
        return renderer.invokeMacro(this, args, kwargs);
    }
}
