package dev.caravel.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates expressions. Attribute and item access follow Jinja2's sandboxed rules: {@code a.b}
 * tries a Python attribute (methods) and then a key, {@code a['b']} tries the key and then the
 * attribute, and a miss yields {@link Undefined} rather than an error. Methods that would mutate a
 * list or dict are refused unless the environment allows mutation, as Hugging Face's
 * ImmutableSandboxedEnvironment does.
 */
final class Evaluator {

    private final Jinja env;
    private final Renderer renderer;

    Evaluator(Jinja env, Renderer renderer) {
        this.env = env;
        this.renderer = renderer;
    }

    Jinja env() {
        return env;
    }

    Object eval(Expr expr, Scope scope) {
        return switch (expr) {
            case Expr.Literal l -> l.value();
            case Expr.Name n -> renderer.lookup(n.name(), scope);
            case Expr.ListLiteral l -> {
                List<Object> items = new ArrayList<>(l.items().size());
                for (Expr e : l.items()) {
                    items.add(eval(e, scope));
                }
                yield items;
            }
            case Expr.TupleLiteral t -> {
                Object[] items = new Object[t.items().size()];
                for (int i = 0; i < items.length; i++) {
                    items[i] = eval(t.items().get(i), scope);
                }
                yield new PyTuple(items);
            }
            case Expr.DictLiteral d -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) {
                    PyOps.dictPut(map, eval(d.keys().get(i), scope), eval(d.values().get(i), scope));
                }
                yield map;
            }
            case Expr.GetAttr g -> getAttribute(eval(g.object(), scope), g.name());
            case Expr.GetItem g -> getItem(eval(g.object(), scope), eval(g.key(), scope));
            case Expr.SliceExpr s -> new PyOps.Slice(evalOrNull(s.start(), scope), evalOrNull(s.stop(), scope),
                    evalOrNull(s.step(), scope));
            case Expr.Call c -> call(c, scope, null);
            case Expr.Filter f -> applyFilters(f, null, scope);
            case Expr.Test t -> test(t.name(), eval(t.operand(), scope), arguments(t.args(), scope));
            case Expr.Unary u -> u.op().equals("-") ? PyOps.negate(eval(u.operand(), scope))
                    : PyOps.plus(eval(u.operand(), scope));
            case Expr.Binary b -> binary(b.op(), eval(b.left(), scope), eval(b.right(), scope));
            case Expr.Concat c -> {
                StringBuilder sb = new StringBuilder();
                for (Expr part : c.parts()) {
                    sb.append(PyValues.str(eval(part, scope)));
                }
                yield sb.toString();
            }
            case Expr.Compare c -> compare(c, scope);
            case Expr.And a -> {
                Object left = eval(a.left(), scope);
                yield PyValues.truthy(left) ? eval(a.right(), scope) : left;
            }
            case Expr.Or o -> {
                Object left = eval(o.left(), scope);
                yield PyValues.truthy(left) ? left : eval(o.right(), scope);
            }
            case Expr.Not n -> !PyValues.truthy(eval(n.operand(), scope));
            case Expr.Conditional c -> {
                if (PyValues.truthy(eval(c.test(), scope))) {
                    yield eval(c.then(), scope);
                }
                yield c.otherwise() != null ? eval(c.otherwise(), scope)
                        : Undefined.withHint("the inline if-expression evaluated to false and no else section was defined.");
            }
        };
    }

    private Object evalOrNull(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    private static Object binary(String op, Object a, Object b) {
        return switch (op) {
            case "+" -> PyOps.add(a, b);
            case "-" -> PyOps.subtract(a, b);
            case "*" -> PyOps.multiply(a, b);
            case "/" -> PyOps.trueDivide(a, b);
            case "//" -> PyOps.floorDivide(a, b);
            case "%" -> PyOps.modulo(a, b);
            case "**" -> PyOps.power(a, b);
            default -> throw new IllegalStateException("operator " + op);
        };
    }

    private Object compare(Expr.Compare c, Scope scope) {
        Object left = eval(c.first(), scope);
        for (int i = 0; i < c.ops().size(); i++) {
            Object right = eval(c.operands().get(i), scope);
            if (!compareOnce(c.ops().get(i), left, right)) {
                return false;
            }
            left = right;
        }
        return true;
    }

    static boolean compareOnce(String op, Object a, Object b) {
        return switch (op) {
            case "==" -> PyValues.equal(a, b);
            case "!=" -> !PyValues.equal(a, b);
            case "in" -> PyOps.contains(b, a);
            case "notin" -> !PyOps.contains(b, a);
            default -> PyValues.ordered(op, a, b);
        };
    }

    // ---- attribute and item access -------------------------------------------------------------

    /** Jinja2's sandboxed {@code getattr}: Python attribute first, then dict key, else Undefined. */
    Object getAttribute(Object obj, String name) {
        switch (obj) {
            case null -> {
                return Undefined.member(null, name);
            }
            case Undefined u -> throw u.error();
            case Namespace ns -> {
                return ns.has(name) ? ns.get(name) : Undefined.member(obj, name);
            }
            case LoopContext loop -> {
                return loop.attribute(name);
            }
            case Macro m when name.equals("name") -> {
                return m.name();
            }
            case GroupTuple g when name.equals("grouper") || name.equals("list") -> {
                return name.equals("grouper") ? g.get(0) : g.get(1);
            }
            default -> {
            }
        }
        Object method = method(obj, name);
        if (method != null) {
            return method;
        }
        if (obj instanceof Map<?, ?> map) {
            Object v = PyOps.dictGet(map, name, PyOps.MISSING);
            if (v != PyOps.MISSING) {
                return v;
            }
        }
        return Undefined.member(obj, name);
    }

    /** Jinja2's {@code |attr} filter: a Python attribute only, never a dict key. */
    Object attr(Object obj, String name) {
        if (obj instanceof Undefined || obj instanceof Namespace || obj instanceof LoopContext) {
            return getAttribute(obj, name);
        }
        Object method = method(obj, name);
        return method != null ? method : Undefined.member(obj, name);
    }

    /** Jinja2's sandboxed {@code getitem}: subscript first, then attribute for string keys. */
    Object getItem(Object obj, Object key) {
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        Object v = PyOps.subscript(obj, key);
        if (v != PyOps.MISSING) {
            return v;
        }
        if (PyValues.isString(key)) {
            String name = PyValues.text(key);
            if (obj instanceof Namespace || obj instanceof LoopContext || obj instanceof GroupTuple) {
                return getAttribute(obj, name);
            }
            Object method = method(obj, name);
            if (method != null) {
                return method;
            }
        }
        return Undefined.member(obj, key);
    }

    /** A bound method, an "unsafe" Undefined for refused mutators, or null if there is none. */
    private Object method(Object obj, String name) {
        if (!PyMethods.has(obj, name)) {
            return null;
        }
        if (PyMethods.mutates(obj, name) && !env.mutableCollections()) {
            return Undefined.unsafe(obj, name);
        }
        return new BoundMethod(obj, name);
    }

    // ---- calls, filters, tests -------------------------------------------------------------------

    Args arguments(Expr.Arguments a, Scope scope) {
        if (a == Expr.Arguments.NONE) {
            return Args.NONE;
        }
        List<Object> positional = new ArrayList<>(a.positional().size());
        for (Expr e : a.positional()) {
            positional.add(eval(e, scope));
        }
        if (a.spreadArgs() != null) {
            positional.addAll(PyValues.toList(eval(a.spreadArgs(), scope)));
        }
        Map<String, Object> keywords = new LinkedHashMap<>();
        for (int i = 0; i < a.keywordNames().size(); i++) {
            keywords.put(a.keywordNames().get(i), eval(a.keywordValues().get(i), scope));
        }
        if (a.spreadKwargs() != null) {
            Object spread = eval(a.spreadKwargs(), scope);
            if (!(spread instanceof Map<?, ?> map)) {
                throw TemplateException.type("argument after ** must be a mapping, not " + PyValues.typeName(spread));
            }
            map.forEach((k, v) -> keywords.put(PyValues.str(k), v));
        }
        return new Args(positional, keywords);
    }

    /** Evaluates a call; {@code caller} is the implicit macro of a call block, or null. */
    Object call(Expr.Call c, Scope scope, Macro caller) {
        Object callee = eval(c.callee(), scope);
        Args args = arguments(c.args(), scope);
        Map<String, Object> keywords = args.keywords;
        if (caller != null) {
            keywords = new LinkedHashMap<>(keywords);
            keywords.put("caller", caller);
        }
        return callValue(callee, args.positional, keywords);
    }

    Object callValue(Object callee, List<Object> args, Map<String, Object> kwargs) {
        if (callee instanceof Undefined u) {
            throw u.error();
        }
        if (callee instanceof JinjaFunction f) {
            return f.call(args, kwargs);
        }
        if (callee instanceof LoopContext loop) {
            if (args.size() != 1) {
                throw TemplateException.type("loop() takes exactly one argument");
            }
            return loop.recurse(args.getFirst());
        }
        throw TemplateException.type("'" + PyValues.typeName(callee) + "' object is not callable");
    }

    /** Applies a filter chain; the innermost filter with a null operand receives {@code hole}. */
    Object applyFilters(Expr expr, Object hole, Scope scope) {
        if (!(expr instanceof Expr.Filter f)) {
            return eval(expr, scope);
        }
        Object value = f.operand() == null ? hole : applyFilters(f.operand(), hole, scope);
        return filter(f.name(), value, arguments(f.args(), scope));
    }

    Object filter(String name, Object value, Args args) {
        FilterFunction fn = env.filterNamed(name);
        if (fn == null) {
            throw new TemplateException(TemplateException.Kind.RUNTIME, "No filter named " + PyValues.repr(name) + " found.");
        }
        return fn.apply(this, value, args);
    }

    boolean test(String name, Object value, Args args) {
        TestFunction fn = env.testNamed(name);
        if (fn == null) {
            throw new TemplateException(TemplateException.Kind.RUNTIME, "No test named " + PyValues.repr(name) + " found.");
        }
        return fn.test(this, value, args);
    }
}
