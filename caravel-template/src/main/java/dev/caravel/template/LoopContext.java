package dev.caravel.template;

import java.util.List;

/**
 * The {@code loop} variable inside a for loop: position ({@code index}, {@code revindex}, ...),
 * neighbours ({@code previtem}, {@code nextitem}), {@code cycle()}, {@code changed()}, and for
 * recursive loops {@code depth} and the ability to be called as {@code loop(children)}.
 */
final class LoopContext {

    /** Renders the loop body again over new items, one level deeper (recursive loops). */
    interface Recursion {
        String render(Object iterable, int depth0);
    }

    private final List<Object> items;
    private final int depth0;
    private final Recursion recursion;
    private int index0;
    private Object lastChanged = Scope.NOT_FOUND;

    LoopContext(List<Object> items, int depth0, Recursion recursion) {
        this.items = items;
        this.depth0 = depth0;
        this.recursion = recursion;
    }

    void advanceTo(int index0) {
        this.index0 = index0;
    }

    int index() {
        return index0 + 1;
    }

    int length() {
        return items.size();
    }

    /** The value of {@code loop.<name>}; an unknown name yields Undefined like any missing attribute. */
    Object attribute(String name) {
        int n = items.size();
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (n - index0);
            case "revindex0" -> (long) (n - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == n - 1;
            case "length" -> (long) n;
            case "depth" -> (long) depth0 + 1;
            case "depth0" -> (long) depth0;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : Undefined.withHint("there is no previous item");
            case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : Undefined.withHint("there is no next item");
            case "cycle", "changed" -> new BoundMethod(this, name);
            default -> Undefined.member(this, name);
        };
    }

    Object cycle(List<Object> args) {
        if (args.isEmpty()) {
            throw TemplateException.type("no items for cycling given");
        }
        return args.get(index0 % args.size());
    }

    boolean changed(List<Object> args) {
        Object value = List.copyOf(args.stream().map(a -> a == null ? NullMarker.NULL : a).toList());
        if (lastChanged == Scope.NOT_FOUND || !PyValues.equal(lastChanged, value)) {
            lastChanged = value;
            return true;
        }
        return false;
    }

    /** {@code loop(iterable)} in a recursive loop. */
    String recurse(Object iterable) {
        if (recursion == null) {
            throw TemplateException.type("Tried to call non recursive loop.  Maybe you forgot the 'recursive' modifier.");
        }
        return recursion.render(iterable, depth0 + 1);
    }

    /** List.copyOf rejects nulls; None arguments to changed() compare through this marker. */
    private enum NullMarker { NULL }
}
