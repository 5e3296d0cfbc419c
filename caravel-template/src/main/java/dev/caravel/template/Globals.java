package dev.caravel.template;

import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The global functions templates can call: Jinja2's {@code range}, {@code dict} and
 * {@code namespace}, plus the two Hugging Face adds to chat-template rendering,
 * {@code raise_exception(message)} and {@code strftime_now(format)}.
 */
final class Globals {

    private Globals() {
    }

    static Map<String, Object> standard(Supplier<LocalDateTime> clock) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("range", (JinjaFunction) Globals::range);
        g.put("dict", (JinjaFunction) (args, kwargs) -> {
            Map<Object, Object> out = new LinkedHashMap<>();
            if (!args.isEmpty()) {
                putAll(out, args.getFirst());
            }
            out.putAll(kwargs);
            return out;
        });
        g.put("namespace", (JinjaFunction) (args, kwargs) -> {
            Map<Object, Object> initial = new LinkedHashMap<>();
            if (!args.isEmpty()) {
                putAll(initial, args.getFirst());
            }
            initial.putAll(kwargs);
            Map<String, Object> attrs = new LinkedHashMap<>();
            initial.forEach((k, v) -> attrs.put(PyValues.str(k), v));
            return new Namespace(attrs);
        });
        g.put("raise_exception", (JinjaFunction) (args, kwargs) -> {
            Object message = args.isEmpty() ? kwargs.get("message") : args.getFirst();
            throw new TemplateException(TemplateException.Kind.RAISED, PyValues.str(message));
        });
        g.put("strftime_now", (JinjaFunction) (args, kwargs) -> {
            Object format = args.isEmpty() ? kwargs.get("format") : args.getFirst();
            if (!PyValues.isString(format)) {
                throw TemplateException.type("strftime() argument 1 must be str, not " + PyValues.typeName(format));
            }
            return Strftime.format(clock.get(), PyValues.text(format));
        });
        return g;
    }

    private static void putAll(Map<Object, Object> out, Object source) {
        if (source instanceof Map<?, ?> m) {
            m.forEach((k, v) -> PyOps.dictPut(out, k, v));
            return;
        }
        for (Object pair : PyValues.toList(source)) {
            List<Object> kv = PyValues.toList(pair);
            if (kv.size() != 2) {
                throw TemplateException.value("dictionary update sequence element has length " + kv.size() + "; 2 is required");
            }
            PyOps.dictPut(out, kv.get(0), kv.get(1));
        }
    }

    private static Object range(List<Object> args, Map<String, Object> kwargs) {
        if (!kwargs.isEmpty()) {
            throw TemplateException.type("range() takes no keyword arguments");
        }
        if (args.isEmpty() || args.size() > 3) {
            throw TemplateException.type("range expected at least 1 argument, got " + args.size());
        }
        long[] n = new long[args.size()];
        for (int i = 0; i < n.length; i++) {
            n[i] = Args.asInt(args.get(i), 0, "");
        }
        return switch (n.length) {
            case 1 -> new PyRange(0, n[0], 1);
            case 2 -> new PyRange(n[0], n[1], 1);
            default -> new PyRange(n[0], n[1], n[2]);
        };
    }
}
