package dev.caravel.format.safetensors;

import dev.caravel.tensor.Half;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The element types of the safetensors format (its {@code dtype} strings), all little-endian.
 * Floating types and the common integer types can be read as floats ({@link #readFloats}); the
 * 8-bit float variants are recognised only to name them in an error.
 */
public enum SafetensorsDType {
    BOOL(1), U8(1), I8(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4), I64(8), U64(8), F64(8),
    F8_E4M3(1), F8_E5M2(1);

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int size;

    SafetensorsDType(int size) {
        this.size = size;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** The dtype named by a header string, or null. */
    public static SafetensorsDType parse(String name) {
        for (SafetensorsDType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** Whether {@link #readFloats} can convert this type. */
    public boolean readableAsFloat() {
        return this != F8_E4M3 && this != F8_E5M2;
    }

    /**
     * Converts {@code n} elements starting at byte {@code offset} of {@code src} to floats at
     * {@code dst[dstOff..]}: F32 exactly, F16/BF16 exactly (widening), F64 and 64-bit integers
     * rounded to the nearest float.
     */
    public void readFloats(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        switch (this) {
            case F32 -> MemorySegment.copy(src, FLOAT, offset, dst, dstOff, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = Half.f16ToF32(src.get(SHORT, offset + 2L * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = Half.bf16ToF32(src.get(SHORT, offset + 2L * i));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = (float) src.get(DOUBLE, offset + 8L * i);
                }
            }
            case BOOL, U8 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = Byte.toUnsignedInt(src.get(ValueLayout.JAVA_BYTE, offset + i));
                }
            }
            case I8 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = src.get(ValueLayout.JAVA_BYTE, offset + i);
                }
            }
            case I16 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = src.get(SHORT, offset + 2L * i);
                }
            }
            case U16 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = Short.toUnsignedInt(src.get(SHORT, offset + 2L * i));
                }
            }
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = src.get(INT, offset + 4L * i);
                }
            }
            case U32 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = Integer.toUnsignedLong(src.get(INT, offset + 4L * i));
                }
            }
            case I64 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = src.get(LONG, offset + 8L * i);
                }
            }
            case U64 -> {
                for (int i = 0; i < n; i++) {
                    long v = src.get(LONG, offset + 8L * i);
                    dst[dstOff + i] = v >= 0 ? v : (float) (v >>> 1) * 2f;
                }
            }
            default -> throw new UnsupportedOperationException("safetensors dtype " + this + " cannot be read as floats");
        }
    }
}
