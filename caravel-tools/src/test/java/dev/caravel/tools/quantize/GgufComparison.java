package dev.caravel.tools.quantize;

import dev.caravel.format.gguf.GgufFile;
import dev.caravel.format.gguf.GgufTensorInfo;
import dev.caravel.format.gguf.GgufValue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Tensor-by-tensor comparison of two GGUF files, for tests against llama.cpp's outputs. */
public final class GgufComparison {
    private GgufComparison() {
    }

    /**
     * Differences between {@code actual} and {@code expected}: tensor names and order, shapes, types and
     * data bytes, then metadata keys, order and values. Empty when the files carry the same content.
     */
    public static List<String> differences(Path actual, Path expected) {
        List<String> diffs = new ArrayList<>();
        try (GgufFile a = GgufFile.open(actual); GgufFile e = GgufFile.open(expected)) {
            List<String> an = List.copyOf(a.tensors().keySet());
            List<String> en = List.copyOf(e.tensors().keySet());
            if (!an.equals(en)) {
                diffs.add("tensor order " + an + " != " + en);
            }
            for (GgufTensorInfo et : e.tensors().values()) {
                GgufTensorInfo at = a.tensor(et.name());
                if (at == null) {
                    diffs.add(et.name() + ": missing");
                    continue;
                }
                if (at.type() != et.type()) {
                    diffs.add(et.name() + ": type " + at.type() + " != " + et.type());
                    continue;
                }
                if (!at.shape().equals(et.shape())) {
                    diffs.add(et.name() + ": shape " + at.shape() + " != " + et.shape());
                    continue;
                }
                long mismatch = a.tensorData(at).mismatch(e.tensorData(et));
                if (mismatch >= 0) {
                    diffs.add(et.name() + " (" + et.type() + "): data differs from byte " + mismatch + " of " + et.byteSize());
                }
            }
            Map<String, GgufValue> am = a.metadata();
            Map<String, GgufValue> em = e.metadata();
            if (!List.copyOf(am.keySet()).equals(List.copyOf(em.keySet()))) {
                diffs.add("metadata keys " + am.keySet() + " != " + em.keySet());
            }
            for (var entry : em.entrySet()) {
                GgufValue av = am.get(entry.getKey());
                if (av != null && !same(av, entry.getValue())) {
                    diffs.add("metadata " + entry.getKey() + ": " + av + " != " + entry.getValue());
                }
            }
        }
        return diffs;
    }

    private static boolean same(GgufValue a, GgufValue b) {
        return a.type() == b.type() && a.elementType() == b.elementType()
                && Objects.deepEquals(new Object[]{a.value()}, new Object[]{b.value()});
    }
}
