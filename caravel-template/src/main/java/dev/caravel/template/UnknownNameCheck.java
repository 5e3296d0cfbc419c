package dev.caravel.template;

import java.util.List;
import java.util.function.Predicate;

/**
 * Jinja2's compile-time check for unknown filters and tests. Jinja2 reports them when compiling,
 * except inside "soft" frames (the test and branches of {@code if} statements and inline
 * {@code x if c else y} expressions), where the error is deferred until the code actually runs.
 * Loop, macro, call, filter, with and block-set bodies start a fresh, non-soft frame again.
 */
final class UnknownNameCheck {

    private final Predicate<String> filterExists;
    private final Predicate<String> testExists;

    private UnknownNameCheck(Predicate<String> filterExists, Predicate<String> testExists) {
        this.filterExists = filterExists;
        this.testExists = testExists;
    }

    static void verify(List<Node> body, Predicate<String> filterExists, Predicate<String> testExists) {
        new UnknownNameCheck(filterExists, testExists).nodes(body, false);
    }

    private void nodes(List<Node> nodes, boolean soft) {
        for (Node n : nodes) {
            node(n, soft);
        }
    }

    private void node(Node node, boolean soft) {
        switch (node) {
            case Node.Text t -> { }
            case Node.Print p -> expr(p.expr(), soft);
            case Node.If i -> {
                for (Node.Branch b : i.branches()) {
                    expr(b.test(), true);
                    nodes(b.body(), true);
                }
                nodes(i.otherwise(), true);
            }
            case Node.For f -> {
                expr(f.iterable(), soft);
                expr(f.filter(), false);
                nodes(f.body(), false);
                nodes(f.otherwise(), false);
            }
            case Node.Set s -> expr(s.value(), soft);
            case Node.SetBlock s -> {
                expr(s.filter(), soft);
                nodes(s.body(), false);
            }
            case Node.MacroDef m -> {
                m.params().forEach(p -> expr(p.defaultValue(), false));
                nodes(m.body(), false);
            }
            case Node.CallBlock c -> {
                expr(c.call(), soft);
                c.params().forEach(p -> expr(p.defaultValue(), false));
                nodes(c.body(), false);
            }
            case Node.FilterBlock f -> {
                expr(f.filter(), soft);
                nodes(f.body(), false);
            }
            case Node.With w -> {
                w.values().forEach(v -> expr(v, soft));
                nodes(w.body(), false);
            }
            case Node.Break b -> { }
            case Node.Continue c -> { }
        }
    }

    private void arguments(Expr.Arguments a, boolean soft) {
        a.positional().forEach(e -> expr(e, soft));
        a.keywordValues().forEach(e -> expr(e, soft));
        expr(a.spreadArgs(), soft);
        expr(a.spreadKwargs(), soft);
    }

    private void expr(Expr e, boolean soft) {
        switch (e) {
            case null -> { }
            case Expr.Literal l -> { }
            case Expr.Name n -> { }
            case Expr.ListLiteral l -> l.items().forEach(x -> expr(x, soft));
            case Expr.TupleLiteral t -> t.items().forEach(x -> expr(x, soft));
            case Expr.DictLiteral d -> {
                d.keys().forEach(x -> expr(x, soft));
                d.values().forEach(x -> expr(x, soft));
            }
            case Expr.GetAttr g -> expr(g.object(), soft);
            case Expr.GetItem g -> {
                expr(g.object(), soft);
                expr(g.key(), soft);
            }
            case Expr.SliceExpr s -> {
                expr(s.start(), soft);
                expr(s.stop(), soft);
                expr(s.step(), soft);
            }
            case Expr.Call c -> {
                expr(c.callee(), soft);
                arguments(c.args(), soft);
            }
            case Expr.Filter f -> {
                if (!soft && !filterExists.test(f.name())) {
                    throw new TemplateException(TemplateException.Kind.ASSERTION,
                            "No filter named " + PyValues.repr(f.name()) + ".", f.line());
                }
                expr(f.operand(), soft);
                arguments(f.args(), soft);
            }
            case Expr.Test t -> {
                if (!soft && !testExists.test(t.name())) {
                    throw new TemplateException(TemplateException.Kind.ASSERTION,
                            "No test named " + PyValues.repr(t.name()) + ".", t.line());
                }
                expr(t.operand(), soft);
                arguments(t.args(), soft);
            }
            case Expr.Unary u -> expr(u.operand(), soft);
            case Expr.Binary b -> {
                expr(b.left(), soft);
                expr(b.right(), soft);
            }
            case Expr.Concat c -> c.parts().forEach(x -> expr(x, soft));
            case Expr.Compare c -> {
                expr(c.first(), soft);
                c.operands().forEach(x -> expr(x, soft));
            }
            case Expr.And a -> {
                expr(a.left(), soft);
                expr(a.right(), soft);
            }
            case Expr.Or o -> {
                expr(o.left(), soft);
                expr(o.right(), soft);
            }
            case Expr.Not n -> expr(n.operand(), soft);
            case Expr.Conditional c -> {
                expr(c.test(), true);
                expr(c.then(), true);
                expr(c.otherwise(), true);
            }
        }
    }
}
