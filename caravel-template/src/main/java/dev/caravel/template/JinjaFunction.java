package dev.caravel.template;

import java.util.List;
import java.util.Map;

/**
 * A callable value in a template: global functions ({@code range}, {@code raise_exception}, ...),
 * functions a caller registers, macros and bound methods. Arguments arrive the way Python passes
 * them: positional values in order, keyword values by name (insertion-ordered).
 */
@FunctionalInterface
public interface JinjaFunction {

    Object call(List<Object> args, Map<String, Object> kwargs);
}
