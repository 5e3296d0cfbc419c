package dev.caravel.template;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects every variable name a piece of syntax reads. Jinja2 decides at compile time whether a
 * macro accepts {@code varargs}, {@code kwargs} and a {@code caller} by looking for those names in
 * its body; this walk reproduces that decision.
 */
final class NameUsage {

    private final Set<String> names = new HashSet<>();

    private NameUsage() {
    }

    static NameUsage of(List<Node> body) {
        NameUsage usage = new NameUsage();
        usage.nodes(body);
        return usage;
    }

    boolean uses(String name) {
        return names.contains(name);
    }

    private void nodes(List<Node> nodes) {
        for (Node n : nodes) {
            node(n);
        }
    }

    private void node(Node node) {
        switch (node) {
            case Node.Text t -> { }
            case Node.Print p -> expr(p.expr());
            case Node.If i -> {
                for (Node.Branch b : i.branches()) {
                    expr(b.test());
                    nodes(b.body());
                }
                nodes(i.otherwise());
            }
            case Node.For f -> {
                expr(f.iterable());
                expr(f.filter());
                nodes(f.body());
                nodes(f.otherwise());
            }
            case Node.Set s -> expr(s.value());
            case Node.SetBlock s -> {
                expr(s.filter());
                nodes(s.body());
            }
            case Node.MacroDef m -> {
                m.params().forEach(p -> expr(p.defaultValue()));
                nodes(m.body());
            }
            case Node.CallBlock c -> {
                expr(c.call());
                c.params().forEach(p -> expr(p.defaultValue()));
                nodes(c.body());
            }
            case Node.FilterBlock f -> {
                expr(f.filter());
                nodes(f.body());
            }
            case Node.With w -> {
                w.values().forEach(this::expr);
                nodes(w.body());
            }
            case Node.Break b -> { }
            case Node.Continue c -> { }
        }
    }

    private void arguments(Expr.Arguments a) {
        a.positional().forEach(this::expr);
        a.keywordValues().forEach(this::expr);
        expr(a.spreadArgs());
        expr(a.spreadKwargs());
    }

    private void expr(Expr e) {
        switch (e) {
            case null -> { }
            case Expr.Literal l -> { }
            case Expr.Name n -> names.add(n.name());
            case Expr.ListLiteral l -> l.items().forEach(this::expr);
            case Expr.TupleLiteral t -> t.items().forEach(this::expr);
            case Expr.DictLiteral d -> {
                d.keys().forEach(this::expr);
                d.values().forEach(this::expr);
            }
            case Expr.GetAttr g -> expr(g.object());
            case Expr.GetItem g -> {
                expr(g.object());
                expr(g.key());
            }
            case Expr.SliceExpr s -> {
                expr(s.start());
                expr(s.stop());
                expr(s.step());
            }
            case Expr.Call c -> {
                expr(c.callee());
                arguments(c.args());
            }
            case Expr.Filter f -> {
                expr(f.operand());
                arguments(f.args());
            }
            case Expr.Test t -> {
                expr(t.operand());
                arguments(t.args());
            }
            case Expr.Unary u -> expr(u.operand());
            case Expr.Binary b -> {
                expr(b.left());
                expr(b.right());
            }
            case Expr.Concat c -> c.parts().forEach(this::expr);
            case Expr.Compare c -> {
                expr(c.first());
                c.operands().forEach(this::expr);
            }
            case Expr.And a -> {
                expr(a.left());
                expr(a.right());
            }
            case Expr.Or o -> {
                expr(o.left());
                expr(o.right());
            }
            case Expr.Not n -> expr(n.operand());
            case Expr.Conditional c -> {
                expr(c.test());
                expr(c.then());
                expr(c.otherwise());
            }
        }
    }
}
