package dev.caravel.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts plain Java data, typically JSON parsed by Jackson into Map/List/String/Number/Boolean/null,
 * into template values. Integral numbers become {@link Long} (or {@link BigInteger} when larger),
 * other numbers {@link Double}, maps keep their insertion order, and collections and arrays become
 * lists. Values that already are template values (functions, {@link Markup}, ...) pass through.
 */
public final class TemplateValues {

    private TemplateValues() {
    }

    /** Deep-converts one value. The input is never modified; containers are copied. */
    public static Object fromJson(Object value) {
        return switch (value) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> i.longValue();
            case Short s -> s.longValue();
            case Byte b -> b.longValue();
            case BigInteger b -> PyOps.normalize(b);
            case Double d -> d;
            case Float f -> f.doubleValue();
            case BigDecimal d -> d.doubleValue();
            case Number n -> n.doubleValue();
            case CharSequence cs -> cs.toString();
            case PyTuple t -> t;
            case PyRange r -> r;
            case DictView d -> d;
            case Map<?, ?> m -> fromJsonMap(m);
            case Collection<?> c -> {
                List<Object> out = new ArrayList<>(c.size());
                for (Object o : c) {
                    out.add(fromJson(o));
                }
                yield out;
            }
            case Object[] array -> {
                List<Object> out = new ArrayList<>(array.length);
                for (Object o : array) {
                    out.add(fromJson(o));
                }
                yield out;
            }
            default -> value;
        };
    }

    /** Deep-converts a JSON object (or a map of render variables); keys keep their order. */
    public static Map<String, Object> fromJsonObject(Map<String, ?> object) {
        Map<String, Object> out = new LinkedHashMap<>();
        object.forEach((k, v) -> out.put(k, fromJson(v)));
        return out;
    }

    private static Map<Object, Object> fromJsonMap(Map<?, ?> m) {
        Map<Object, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(PyValues.dictKey(fromJson(k)), fromJson(v)));
        return out;
    }
}
