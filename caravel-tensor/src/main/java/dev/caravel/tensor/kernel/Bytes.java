package dev.caravel.tensor.kernel;

import dev.caravel.tensor.Half;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Little-endian, unaligned accessors over a {@link MemorySegment}: GGUF data is little-endian and tensor
 * blocks sit at arbitrary byte offsets (a Q4_0 block is 18 bytes), so every multi-byte read is unaligned.
 */
public final class Bytes {
    public static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Bytes() {
    }

    /** Unsigned byte. */
    public static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    /** Signed byte. */
    public static int i8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off);
    }

    public static short i16(MemorySegment s, long off) {
        return s.get(LE_SHORT, off);
    }

    /** 32-bit little-endian word. */
    public static int i32(MemorySegment s, long off) {
        return s.get(LE_INT, off);
    }

    public static float f32(MemorySegment s, long off) {
        return s.get(LE_FLOAT, off);
    }

    /** An F16 value (ggml_half) as float. */
    public static float f16(MemorySegment s, long off) {
        return Half.f16ToF32(s.get(LE_SHORT, off));
    }

    public static void put8(MemorySegment s, long off, int v) {
        s.set(ValueLayout.JAVA_BYTE, off, (byte) v);
    }

    public static void put16(MemorySegment s, long off, short v) {
        s.set(LE_SHORT, off, v);
    }

    public static void put32(MemorySegment s, long off, int v) {
        s.set(LE_INT, off, v);
    }

    public static void putF32(MemorySegment s, long off, float v) {
        s.set(LE_FLOAT, off, v);
    }

    /** Stores a float as F16 (round to nearest even). */
    public static void putF16(MemorySegment s, long off, float v) {
        s.set(LE_SHORT, off, Half.f32ToF16(v));
    }
}
