package dev.caravel.format.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hand-assembles GGUF bytes field by field, independently of {@link GgufWriter}, so that tests can
 * build files the writer refuses to make (unknown types, lying counts, v2 headers by hand) and check
 * the writer's output against the spec's layout.
 */
final class RawGguf {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Magic, version, tensor count, metadata count. */
    static RawGguf header(int version, long tensors, long kvs) {
        return new RawGguf().bytes("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(version).u64(tensors).u64(kvs);
    }

    RawGguf u8(int v) {
        out.write(v);
        return this;
    }

    RawGguf u16(int v) {
        return u8(v).u8(v >>> 8);
    }

    RawGguf u32(long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    RawGguf u64(long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    RawGguf f32(float v) {
        return u32(Float.floatToRawIntBits(v));
    }

    RawGguf f64(double v) {
        return u64(Double.doubleToRawLongBits(v));
    }

    RawGguf str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return u64(b.length).bytes(b);
    }

    RawGguf bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    /** Key and value type. */
    RawGguf kv(String key, GgufValueType type) {
        return str(key).u32(type.id());
    }

    /** Key, ARRAY, element type, count (elements follow). */
    RawGguf array(String key, GgufValueType elem, long count) {
        return kv(key, GgufValueType.ARRAY).u32(elem.id()).u64(count);
    }

    /** Name, dims, type id, offset. */
    RawGguf tensor(String name, int typeId, long offset, long... dims) {
        str(name).u32(dims.length);
        for (long d : dims) {
            u64(d);
        }
        return u32(typeId).u64(offset);
    }

    RawGguf pad(int alignment) {
        while (out.size() % alignment != 0) {
            out.write(0);
        }
        return this;
    }

    RawGguf zeros(int n) {
        out.writeBytes(new byte[n]);
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] toBytes() {
        return out.toByteArray();
    }

    Path write(Path path) {
        try {
            return Files.write(path, toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
