package dev.caravel.template;

import java.util.AbstractList;
import java.util.RandomAccess;

/** Python's {@code range} object: a lazy arithmetic sequence that prints as {@code range(0, 3)}. */
final class PyRange extends AbstractList<Object> implements RandomAccess {

    /** The sandbox refuses larger ranges, as Jinja2's SandboxedEnvironment does. */
    static final int MAX_RANGE = 100_000;

    final long start;
    final long stop;
    final long step;
    private final int size;

    PyRange(long start, long stop, long step) {
        if (step == 0) {
            throw TemplateException.value("range() arg 3 must not be zero");
        }
        this.start = start;
        this.stop = stop;
        this.step = step;
        long count;
        if (step > 0) {
            count = stop > start ? (stop - start + step - 1) / step : 0;
        } else {
            count = start > stop ? (start - stop - step - 1) / -step : 0;
        }
        if (count > MAX_RANGE) {
            throw new TemplateException(TemplateException.Kind.OVERFLOW,
                    "Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + MAX_RANGE + ").");
        }
        this.size = (int) count;
    }

    @Override
    public Object get(int index) {
        return start + index * step;
    }

    @Override
    public int size() {
        return size;
    }

    String repr() {
        return step == 1 ? "range(" + start + ", " + stop + ")" : "range(" + start + ", " + stop + ", " + step + ")";
    }
}
