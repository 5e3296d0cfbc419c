package dev.caravel.template;

import java.util.List;

/** Expression nodes. {@code line} fields locate runtime errors. */
sealed interface Expr {

    record Literal(Object value) implements Expr {
    }

    record Name(String name, int line) implements Expr {
    }

    record ListLiteral(List<Expr> items) implements Expr {
    }

    record TupleLiteral(List<Expr> items) implements Expr {
    }

    record DictLiteral(List<Expr> keys, List<Expr> values) implements Expr {
    }

    /** {@code obj.name}. */
    record GetAttr(Expr object, String name, int line) implements Expr {
    }

    /** {@code obj[key]}; a {@link SliceExpr} key means slicing. */
    record GetItem(Expr object, Expr key, int line) implements Expr {
    }

    record SliceExpr(Expr start, Expr stop, Expr step) implements Expr {
    }

    /** Call arguments as written: positional, keyword, and {@code *args}/{@code **kwargs} spreads. */
    record Arguments(List<Expr> positional, List<String> keywordNames, List<Expr> keywordValues,
                     Expr spreadArgs, Expr spreadKwargs) {
        static final Arguments NONE = new Arguments(List.of(), List.of(), List.of(), null, null);
    }

    record Call(Expr callee, Arguments args, int line) implements Expr {
    }

    /** {@code operand|name(args)}; operand is null inside filter blocks and block sets. */
    record Filter(Expr operand, String name, Arguments args, int line) implements Expr {
    }

    /** {@code operand is name(args)}. */
    record Test(Expr operand, String name, Arguments args, int line) implements Expr {
    }

    record Unary(String op, Expr operand, int line) implements Expr {
    }

    record Binary(String op, Expr left, Expr right, int line) implements Expr {
    }

    /** {@code a ~ b ~ c}: string concatenation of str() values. */
    record Concat(List<Expr> parts) implements Expr {
    }

    /** Chained comparison {@code a < b <= c}; ops include "in" and "notin". */
    record Compare(Expr first, List<String> ops, List<Expr> operands, int line) implements Expr {
    }

    record And(Expr left, Expr right) implements Expr {
    }

    record Or(Expr left, Expr right) implements Expr {
    }

    record Not(Expr operand) implements Expr {
    }

    /** {@code then if test else otherwise}; otherwise may be null (yields Undefined). */
    record Conditional(Expr test, Expr then, Expr otherwise) implements Expr {
    }
}
