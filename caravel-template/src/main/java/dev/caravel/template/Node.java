package dev.caravel.template;

import java.util.List;

/**
 * The template syntax tree: statements ({@link Node}) and expressions ({@link Expr}). Records keep
 * the tree immutable, so one compiled template can be rendered concurrently.
 */
sealed interface Node {

    /** Literal template text. */
    record Text(String text) implements Node {
    }

    /** {@code {{ expr }}}. */
    record Print(Expr expr, int line) implements Node {
    }

    record If(List<Branch> branches, List<Node> otherwise) implements Node {
    }

    record Branch(Expr test, List<Node> body) {
    }

    record For(Target target, Expr iterable, Expr filter, boolean recursive,
               List<Node> body, List<Node> otherwise, int line) implements Node {
    }

    record Set(Target target, Expr value, int line) implements Node {
    }

    /** {@code {% set x | filters %}body{% endset %}}; {@code filter} wraps a null operand. */
    record SetBlock(Target target, Expr filter, List<Node> body, int line) implements Node {
    }

    record MacroDef(String name, List<Param> params, List<Node> body, int line) implements Node {
    }

    /** {@code {% call(params) macro(args) %}body{% endcall %}}. */
    record CallBlock(List<Param> params, Expr.Call call, List<Node> body, int line) implements Node {
    }

    /** {@code {% filter f %}body{% endfilter %}}; {@code filter} wraps a null operand. */
    record FilterBlock(Expr filter, List<Node> body) implements Node {
    }

    record With(List<Target> targets, List<Expr> values, List<Node> body) implements Node {
    }

    record Break() implements Node {
    }

    record Continue() implements Node {
    }

    /** A macro parameter; {@code defaultValue} is null when the caller must supply it. */
    record Param(String name, Expr defaultValue) {
    }

    /** Left-hand sides of assignments and loop variables. */
    sealed interface Target {
    }

    record NameTarget(String name) implements Target {
    }

    /** {@code ns.attr}, assignable only when {@code ns} is a namespace. */
    record AttributeTarget(String object, String attribute) implements Target {
    }

    record TupleTarget(List<Target> items) implements Target {
    }
}
