package dev.caravel.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Executes statements for one render call. It owns the output buffer and the scope chain; a fresh
 * Renderer per render keeps compiled templates immutable and thread-safe.
 */
final class Renderer {

    /** How a statement list finished: normally, or through {@code break}/{@code continue}. */
    enum Flow { NORMAL, BREAK, CONTINUE }

    /** Python stops runaway recursion near 1000 frames; a few frames per macro call puts Jinja2 near this. */
    private static final int MAX_CALL_DEPTH = 250;

    private final Jinja env;
    private final Map<String, Object> context;
    private final Evaluator evaluator;
    private StringBuilder out = new StringBuilder();
    private int callDepth;

    Renderer(Jinja env, Map<String, Object> context) {
        this.env = env;
        this.context = context;
        this.evaluator = new Evaluator(env, this);
    }

    String render(List<Node> body) {
        exec(body, new Scope(null));
        return out.toString();
    }

    /** Resolves a variable: innermost scope first, then render variables, then globals. */
    Object lookup(String name, Scope scope) {
        Object v = scope.lookup(name);
        if (v != Scope.NOT_FOUND) {
            return v;
        }
        if (context.containsKey(name)) {
            return context.get(name);
        }
        if (env.globals().containsKey(name)) {
            return env.globals().get(name);
        }
        return Undefined.variable(name);
    }

    Flow exec(List<Node> nodes, Scope scope) {
        for (Node node : nodes) {
            Flow flow = exec(node, scope);
            if (flow != Flow.NORMAL) {
                return flow;
            }
        }
        return Flow.NORMAL;
    }

    private Flow exec(Node node, Scope scope) {
        switch (node) {
            case Node.Text t -> out.append(t.text());
            case Node.Print p -> out.append(PyValues.str(evaluator.eval(p.expr(), scope)));
            case Node.If i -> {
                for (Node.Branch branch : i.branches()) {
                    if (PyValues.truthy(evaluator.eval(branch.test(), scope))) {
                        return exec(branch.body(), scope);
                    }
                }
                return exec(i.otherwise(), scope);
            }
            case Node.For f -> execFor(f, evaluator.eval(f.iterable(), scope), scope, 0);
            case Node.Set s -> assign(s.target(), evaluator.eval(s.value(), scope), scope);
            case Node.SetBlock s -> {
                Object value = capture(s.body(), new Scope(scope));
                if (s.filter() != null) {
                    value = evaluator.applyFilters(s.filter(), value, scope);
                }
                assign(s.target(), value, scope);
            }
            case Node.MacroDef m -> scope.set(m.name(), new Macro(m.name(), m.params(), m.body(), scope, this));
            case Node.CallBlock c -> {
                Macro caller = new Macro("caller", c.params(), c.body(), scope, this);
                out.append(PyValues.str(evaluator.call(c.call(), scope, caller)));
            }
            case Node.FilterBlock f -> {
                String body = capture(f.body(), new Scope(scope));
                out.append(PyValues.str(evaluator.applyFilters(f.filter(), body, scope)));
            }
            case Node.With w -> {
                List<Object> values = new ArrayList<>();
                for (Expr e : w.values()) {
                    values.add(evaluator.eval(e, scope));
                }
                Scope inner = new Scope(scope);
                for (int i = 0; i < values.size(); i++) {
                    assign(w.targets().get(i), values.get(i), inner);
                }
                return exec(w.body(), inner);
            }
            case Node.Break b -> {
                return Flow.BREAK;
            }
            case Node.Continue c -> {
                return Flow.CONTINUE;
            }
        }
        return Flow.NORMAL;
    }

    /** Runs {@code body} into a separate buffer and returns what it wrote. */
    String capture(List<Node> body, Scope scope) {
        StringBuilder saved = out;
        out = new StringBuilder();
        try {
            exec(body, scope);
            return out.toString();
        } finally {
            out = saved;
        }
    }

    private void execFor(Node.For loop, Object iterable, Scope scope, int depth0) {
        List<Object> items = new ArrayList<>();
        var it = PyValues.iterate(iterable);
        while (it.hasNext()) {
            Object item = it.next();
            if (loop.filter() != null) {
                Scope probe = new Scope(scope);
                assign(loop.target(), item, probe);
                if (!PyValues.truthy(evaluator.eval(loop.filter(), probe))) {
                    continue;
                }
            }
            items.add(item);
        }
        LoopContext.Recursion recursion = loop.recursive()
                ? (nested, depth) -> {
                    StringBuilder saved = out;
                    out = new StringBuilder();
                    try {
                        execFor(loop, nested, scope, depth);
                        return out.toString();
                    } finally {
                        out = saved;
                    }
                }
                : null;
        LoopContext context = new LoopContext(items, depth0, recursion);
        // Jinja2 clears its "run the else block" flag at the end of the loop body, so an else
        // block still runs when every iteration left early through break or continue.
        boolean anyIterationCompleted = false;
        for (int i = 0; i < items.size(); i++) {
            context.advanceTo(i);
            Scope iteration = new Scope(scope);
            assign(loop.target(), items.get(i), iteration);
            iteration.set("loop", context);
            Flow flow = exec(loop.body(), iteration);
            if (flow == Flow.NORMAL) {
                anyIterationCompleted = true;
            } else if (flow == Flow.BREAK) {
                break;
            }
        }
        if (!anyIterationCompleted) {
            exec(loop.otherwise(), new Scope(scope));
        }
    }

    void assign(Node.Target target, Object value, Scope scope) {
        switch (target) {
            case Node.NameTarget n -> scope.set(n.name(), value);
            case Node.AttributeTarget a -> {
                Object holder = lookup(a.object(), scope);
                if (!(holder instanceof Namespace ns)) {
                    throw new TemplateException(TemplateException.Kind.RUNTIME,
                            "cannot assign attribute on non-namespace object");
                }
                ns.set(a.attribute(), value);
            }
            case Node.TupleTarget t -> {
                List<Object> values = PyValues.toList(value);
                int expected = t.items().size();
                if (values.size() < expected) {
                    throw TemplateException.value("not enough values to unpack (expected " + expected
                            + ", got " + values.size() + ")");
                }
                if (values.size() > expected) {
                    throw TemplateException.value("too many values to unpack (expected " + expected + ")");
                }
                for (int i = 0; i < expected; i++) {
                    assign(t.items().get(i), values.get(i), scope);
                }
            }
        }
    }

    /** Binds arguments the way Jinja2's runtime Macro.__call__ does, then renders the body. */
    Object invokeMacro(Macro macro, List<Object> args, Map<String, Object> kwargsIn) {
        Map<String, Object> kwargs = new LinkedHashMap<>(kwargsIn);
        List<Node.Param> params = macro.params();
        Scope scope = new Scope(macro.closure());
        boolean foundCaller = false;
        for (int i = 0; i < params.size(); i++) {
            Node.Param p = params.get(i);
            Object value;
            if (i < args.size()) {
                value = args.get(i);
            } else if (kwargs.containsKey(p.name())) {
                value = kwargs.remove(p.name());
            } else if (p.defaultValue() != null) {
                value = evaluator.eval(p.defaultValue(), scope);
            } else {
                value = Undefined.withHint("parameter " + PyValues.repr(p.name()) + " was not provided");
            }
            if (p.name().equals("caller") && i >= args.size()) {
                foundCaller = true;
            }
            scope.set(p.name(), value);
        }
        if (macro.catchesCaller && !foundCaller) {
            Object caller = kwargs.remove("caller");
            scope.set("caller", caller != null ? caller : Undefined.withHint("No caller defined"));
        }
        if (macro.catchesKwargs) {
            scope.set("kwargs", kwargs);
        } else if (!kwargs.isEmpty()) {
            if (kwargs.containsKey("caller")) {
                throw TemplateException.type("macro " + PyValues.repr(macro.name())
                        + " was invoked with two values for the special caller argument. This is most likely a bug.");
            }
            throw TemplateException.type("macro " + PyValues.repr(macro.name()) + " takes no keyword argument "
                    + PyValues.repr(kwargs.keySet().iterator().next()));
        }
        if (macro.catchesVarargs) {
            scope.set("varargs", args.size() > params.size()
                    ? PyTuple.of(args.subList(params.size(), args.size())) : new PyTuple());
        } else if (args.size() > params.size()) {
            throw TemplateException.type("macro " + PyValues.repr(macro.name()) + " takes not more than "
                    + params.size() + " argument(s)");
        }
        if (callDepth >= MAX_CALL_DEPTH) {
            throw new TemplateException(TemplateException.Kind.RECURSION,
                    "maximum recursion depth exceeded while calling a Python object");
        }
        callDepth++;
        try {
            return capture(macro.body(), scope);
        } finally {
            callDepth--;
        }
    }
}
