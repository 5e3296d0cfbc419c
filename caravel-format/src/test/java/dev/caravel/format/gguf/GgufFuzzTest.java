package dev.caravel.format.gguf;

import dev.caravel.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Opens 3,000 seeded mutations of two valid GGUF files. Every outcome must be a successful open
 * (after which every tensor's data can be read) or a one-line {@link GgufFormatException} naming the
 * file — never another exception, an {@link OutOfMemoryError} or more than a second per file.
 *
 * <p>Mutations aim at the fields where a lying value does harm: a map of every count, length, type,
 * dimension and offset field of the base file (made by {@link FieldMap}, a walker independent of the
 * reader) lets a third of them overwrite exactly such a field with an extreme value.
 */
class GgufFuzzTest {
    private static final int CASES_PER_BASE = 1500;
    private static final long SEED = 0x6767_7566L;

    @TempDir
    Path dir;

    @Test
    void mutatedFilesOpenOrFailCleanly() throws Exception {
        long started = System.nanoTime();
        List<String> failures = new ArrayList<>();
        int opened = 0;
        int rejected = 0;
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gguf-fuzz");
            t.setDaemon(true); // a hung parse must not keep the test JVM alive
            return t;
        });
        try {
            List<byte[]> bases = List.of(storiesBase(), everyTypeBase());
            for (int b = 0; b < bases.size(); b++) {
                byte[] base = bases.get(b);
                List<FieldMap.Field> fields = FieldMap.of(base);
                assertThat(fields).hasSizeGreaterThan(30);
                for (int i = 0; i < CASES_PER_BASE; i++) {
                    long seed = SEED + 1000L * b + i;
                    Random random = new Random(seed);
                    StringBuilder how = new StringBuilder();
                    byte[] mutated = Mutator.mutate(base, fields, random, how);
                    if (random.nextInt(4) == 0) {
                        mutated = Mutator.mutate(mutated, FieldMap.of(mutated), random, how.append(" + "));
                    }
                    Path file = Files.write(dir.resolve("fuzz-" + b + "-" + i + ".gguf"), mutated);
                    Future<Boolean> outcome = worker.submit(() -> openAndReadEverything(file));
                    String id = "base " + b + " case " + i + " (seed " + seed + ": " + how + ")";
                    try {
                        if (outcome.get(1, TimeUnit.SECONDS)) {
                            opened++;
                        } else {
                            rejected++;
                        }
                    } catch (TimeoutException e) {
                        outcome.cancel(true);
                        failures.add(id + ": took more than 1 s");
                        break;
                    } catch (java.util.concurrent.ExecutionException e) {
                        failures.add(id + ": " + e.getCause());
                    }
                    Files.delete(file);
                }
            }
        } finally {
            worker.shutdownNow();
        }
        assertThat(failures).as("mutations that broke the reader").isEmpty();
        // Both outcomes must really occur, or the mutations are not exercising the parser.
        assertThat(opened).isGreaterThan(100);
        assertThat(rejected).isGreaterThan(1000);
        assertThat(System.nanoTime() - started).as("total time").isLessThan(TimeUnit.SECONDS.toNanos(20));
    }

    /** True if the file opened (and all of it could be read), false if it was rejected properly. */
    private static boolean openAndReadEverything(Path file) {
        try (GgufFile g = GgufFile.open(file)) {
            for (GgufValue v : g.metadata().values()) {
                assertThat(String.valueOf(v)).isNotNull();
            }
            long checksum = 0;
            for (GgufTensorInfo t : g.tensors().values()) {
                MemorySegment data = g.tensorData(t);
                assertThat(data.byteSize()).isEqualTo(t.byteSize());
                for (long at = 0; at < data.byteSize(); at++) {
                    checksum += data.get(ValueLayout.JAVA_BYTE, at);
                }
            }
            assertThat(checksum).isNotNull();
            return true;
        } catch (GgufFormatException e) {
            TestData.assertOneLineNaming(e, file);
            return false;
        }
    }

    /** stories260K's real metadata (a 512-token vocabulary) with three of its small tensors. */
    private byte[] storiesBase() throws IOException {
        Path out = dir.resolve("stories-base.gguf");
        try (GgufFile src = GgufFile.open(TestData.model("stories260K.gguf")); GgufWriter w = GgufWriter.create(out)) {
            src.metadata().forEach(w::put);
            List<String> names = List.of("output_norm.weight", "blk.0.attn_norm.weight", "blk.0.attn_k.weight");
            for (String n : names) {
                GgufTensorInfo t = src.tensor(n);
                w.addTensor(n, t.type(), t.dims());
            }
            for (String n : names) {
                w.writeTensor(n, src.tensorData(src.tensor(n)));
            }
        }
        return Files.readAllBytes(out);
    }

    /** Every metadata type (nested arrays too), a 64-byte alignment and tensors of several types. */
    private byte[] everyTypeBase() throws IOException {
        Path out = dir.resolve("types-base.gguf");
        Random random = new Random(7);
        try (GgufWriter w = GgufWriter.create(out)) {
            w.putUInt32("general.alignment", 64);
            GgufValuesTest.everyType().forEach(w::put);
            w.addTensor("f16", GgmlType.F16, 32, 2);
            w.addTensor("q8", GgmlType.Q8_0, 64);
            w.addTensor("q4k", GgmlType.Q4_K, 256);
            w.addTensor("bf16", GgmlType.BF16, 8, 1, 1, 2);
            for (GgufTensorInfo t : w.tensors()) {
                byte[] data = new byte[(int) t.byteSize()];
                random.nextBytes(data);
                w.writeTensor(t.name(), data);
            }
        }
        return Files.readAllBytes(out);
    }

    /** The positions of the structural fields of a well-formed GGUF, found without the reader. */
    static final class FieldMap {
        enum Kind { VERSION, COUNT, LENGTH, TYPE, NDIMS, DIM, OFFSET }

        record Field(int at, int width, Kind kind) {
        }

        private final ByteBuffer in;
        private final List<Field> fields = new ArrayList<>();

        private FieldMap(byte[] bytes) {
            in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        /** The fields of {@code bytes} up to where it stops being well-formed (mutated input is allowed). */
        static List<Field> of(byte[] bytes) {
            FieldMap m = new FieldMap(bytes);
            try {
                m.walk();
            } catch (RuntimeException e) {
                // a mutated file: keep the fields found so far
            }
            return m.fields;
        }

        private long field(int width, Kind kind) {
            int at = in.position();
            long v = width == 4 ? in.getInt() & 0xFFFF_FFFFL : in.getLong(); // throws past the end: field not recorded
            fields.add(new Field(at, width, kind));
            return v;
        }

        private void walk() {
            in.position(4);
            field(4, Kind.VERSION);
            long tensors = field(8, Kind.COUNT);
            long kvs = field(8, Kind.COUNT);
            for (long i = 0; i < kvs; i++) {
                string();
                int type = (int) field(4, Kind.TYPE);
                value(type);
            }
            for (long i = 0; i < tensors; i++) {
                string();
                long n = field(4, Kind.NDIMS);
                for (long d = 0; d < n; d++) {
                    field(8, Kind.DIM);
                }
                field(4, Kind.TYPE);
                field(8, Kind.OFFSET);
            }
        }

        private void string() {
            long n = field(8, Kind.LENGTH);
            in.position(Math.toIntExact(in.position() + n));
        }

        private void value(int type) {
            if (type == GgufValueType.STRING.id()) {
                string();
            } else if (type == GgufValueType.ARRAY.id()) {
                int elem = (int) field(4, Kind.TYPE);
                long n = field(8, Kind.COUNT);
                for (long i = 0; i < n; i++) {
                    value(elem); // a nested array element has no leading value type: value(ARRAY) fits
                }
            } else {
                in.position(in.position() + GgufValueType.fromId(type).size());
            }
        }
    }

    /** One random mutation; {@code how} gets a description for the failure message. */
    static final class Mutator {
        private static final long[] EXTREME_64 = {-1L, Long.MAX_VALUE, Long.MIN_VALUE, 0, 1L << 31, 1L << 32, 1L << 40, 1L << 62};
        private static final long[] EXTREME_32 = {0xFFFF_FFFFL, 0x7FFF_FFFFL, 0x8000_0000L, 0, 0xFFFFL};

        static byte[] mutate(byte[] base, List<FieldMap.Field> fields, Random r, StringBuilder how) {
            byte[] b = base.clone();
            int op = r.nextInt(10);
            if (fields.isEmpty() && op < 4) {
                op = 4;
            }
            switch (op) {
                case 0, 1, 2, 3 -> {
                    FieldMap.Field f = fields.get(r.nextInt(fields.size()));
                    ByteBuffer view = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                    long old = f.width() == 4 ? view.getInt(f.at()) & 0xFFFF_FFFFL : view.getLong(f.at());
                    long v = switch (r.nextInt(4)) {
                        case 0 -> old + r.nextInt(9) - 4;
                        case 1 -> f.kind() == FieldMap.Kind.TYPE || f.kind() == FieldMap.Kind.NDIMS ? r.nextInt(48) : r.nextLong();
                        default -> f.width() == 4 ? EXTREME_32[r.nextInt(EXTREME_32.length)] : EXTREME_64[r.nextInt(EXTREME_64.length)];
                    };
                    how.append(f.kind()).append('@').append(f.at()).append(" = ").append(Long.toUnsignedString(v));
                    if (f.width() == 4) {
                        view.putInt(f.at(), (int) v);
                    } else {
                        view.putLong(f.at(), v);
                    }
                    return b;
                }
                case 4 -> {
                    int flips = 1 + r.nextInt(4);
                    how.append(flips).append(" bit flips");
                    for (int i = 0; i < flips; i++) {
                        int at = headerBiased(b.length, r);
                        b[at] ^= (byte) (1 << r.nextInt(8));
                    }
                    return b;
                }
                case 5 -> {
                    int at = headerBiased(b.length, r);
                    how.append("truncated at ").append(at);
                    return Arrays.copyOf(b, at);
                }
                case 6 -> {
                    int at = headerBiased(b.length, r);
                    byte[] ins = new byte[1 + r.nextInt(16)];
                    byte fill = (byte) (r.nextBoolean() ? 0xFF : r.nextBoolean() ? 0x7F : 0x80);
                    if (r.nextBoolean()) {
                        r.nextBytes(ins);
                    } else {
                        Arrays.fill(ins, fill);
                    }
                    how.append("inserted ").append(ins.length).append(" bytes at ").append(at);
                    return splice(b, at, 0, ins);
                }
                case 7 -> {
                    int from = headerBiased(b.length, r);
                    int len = Math.min(b.length - from, 1 + r.nextInt(64));
                    int to = headerBiased(b.length, r);
                    how.append("duplicated ").append(len).append(" bytes from ").append(from).append(" to ").append(to);
                    return splice(b, to, 0, Arrays.copyOfRange(b, from, from + len));
                }
                case 8 -> {
                    int at = headerBiased(b.length, r);
                    int len = Math.min(b.length - at, 1 + r.nextInt(32));
                    how.append("deleted ").append(len).append(" bytes at ").append(at);
                    return splice(b, at, len, new byte[0]);
                }
                default -> {
                    int at = headerBiased(b.length, r);
                    int len = Math.min(b.length - at, 1 + r.nextInt(8));
                    byte fill = (byte) (r.nextBoolean() ? 0xFF : r.nextBoolean() ? 0x7F : 0x00);
                    how.append("overwrote ").append(len).append(" bytes at ").append(at).append(" with ").append(fill & 0xFF);
                    Arrays.fill(b, at, at + len, fill);
                    return b;
                }
            }
        }

        /** Most mutations land in the first 2 KB, where the header fields are. */
        private static int headerBiased(int length, Random r) {
            if (length == 0) {
                return 0;
            }
            return r.nextInt(4) == 0 ? r.nextInt(length) : r.nextInt(Math.min(length, 2048));
        }

        private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
            byte[] out = new byte[b.length - remove + insert.length];
            System.arraycopy(b, 0, out, 0, at);
            System.arraycopy(insert, 0, out, at, insert.length);
            System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
            return out;
        }
    }
}
