package dev.caravel.tensor.kernel;

import java.util.Locale;

/**
 * The SIMD width the dot kernels use, chosen once at start-up and logged once (System.Logger, INFO).
 *
 * <p>Both kernel families use this width whenever it is non-zero: the llama.cpp-numerics kernels and the fast ones
 * ({@code dev.caravel.tensor.fast}).
 *
 * <ul>
 *   <li>Default: the Vector API's preferred species on this CPU ({@code ByteVector.SPECIES_PREFERRED}: 512 bits
 *       with AVX-512, 256 with AVX2, 128 with NEON/SSE), capped at 512.</li>
 *   <li>{@code -Dcaravel.vector.bits=128|256|512}: use that width. Asking for more than the CPU prefers works
 *       (the results are the same) but is slow, so it is logged as a warning.</li>
 *   <li>{@code -Dcaravel.vector=false}: the scalar kernels ({@link ScalarDotKernels}).</li>
 *   <li>Scalar as well when the {@code jdk.incubator.vector} module is not in the boot layer (the JVM was
 *       started without {@code --add-modules jdk.incubator.vector}) or the CPU has no 128-bit vectors.</li>
 * </ul>
 *
 * <p>This class never touches a Vector API class unless the module is present, so it is safe to load anywhere.
 * The kernels read the width from static finals ({@link VectorShapes}) so that every species is a
 * compile-time constant for the JIT; the width can therefore not change after start-up.
 */
public final class VectorWidth {
    private static final System.Logger LOG = System.getLogger("dev.caravel.tensor.kernel");

    private static final int BITS;
    private static final String DESCRIPTION;

    static {
        String[] out = new String[1];
        int preferred = preferredBits();
        BITS = choose(System.getProperty("caravel.vector"), System.getProperty("caravel.vector.bits"), preferred, out);
        DESCRIPTION = out[0];
        boolean slow = BITS > 0 && BITS > preferred;
        LOG.log(slow ? System.Logger.Level.WARNING : System.Logger.Level.INFO, DESCRIPTION);
    }

    private VectorWidth() {
    }

    /** The kernel width in bits: 128, 256 or 512; 0 when the scalar kernels are used. */
    public static int bits() {
        return BITS;
    }

    /** Whether the Vector API kernels are in use. */
    public static boolean enabled() {
        return BITS > 0;
    }

    /** One line saying which kernels are used and why (the line that was logged). */
    public static String description() {
        return DESCRIPTION;
    }

    /**
     * The decision, separated from the environment so that it can be tested: {@code vector} and {@code bits}
     * are the property values (may be null), {@code preferred} the preferred vector size in bits (≤ 0: no
     * Vector API). Returns the width (0 = scalar) and puts the reason in {@code reason[0]}.
     */
    static int choose(String vector, String bits, int preferred, String[] reason) {
        if (vector != null && vector.trim().equalsIgnoreCase("false")) {
            reason[0] = "using scalar kernels (caravel.vector=false)";
            return 0;
        }
        if (preferred <= 0) {
            reason[0] = "using scalar kernels (the jdk.incubator.vector module is not available: "
                    + "start the JVM with --add-modules jdk.incubator.vector)";
            return 0;
        }
        if (preferred < 128) {
            reason[0] = "using scalar kernels (the CPU's preferred vector size is " + preferred + " bits)";
            return 0;
        }
        int cap = Math.min(preferred, 512);
        if (bits != null && !bits.isBlank()) {
            int want;
            try {
                want = Integer.parseInt(bits.trim());
            } catch (NumberFormatException e) {
                want = -1;
            }
            if (want != 128 && want != 256 && want != 512) {
                reason[0] = String.format(Locale.ROOT,
                        "using %d-bit Vector API kernels (ignoring caravel.vector.bits=%s: expected 128, 256 or 512)", cap, bits.trim());
                return cap;
            }
            if (want > preferred) {
                reason[0] = String.format(Locale.ROOT,
                        "using %d-bit Vector API kernels (caravel.vector.bits=%d, wider than the %d bits this CPU prefers: correct but slow)",
                        want, want, preferred);
            } else {
                reason[0] = String.format(Locale.ROOT, "using %d-bit Vector API kernels (caravel.vector.bits=%d; the CPU prefers %d)",
                        want, want, preferred);
            }
            return want;
        }
        reason[0] = String.format(Locale.ROOT, "using %d-bit Vector API kernels (preferred species on this CPU%s)",
                cap, preferred > 512 ? ", capped at 512" : "");
        return cap;
    }

    /** The preferred vector size in bits, or -1 when the Vector API module is absent. */
    private static int preferredBits() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return -1;
        }
        try {
            return Probe.preferredBits();
        } catch (LinkageError | RuntimeException e) {
            return -1;
        }
    }

    /** Separate class: loaded (and linked against the Vector API) only once the module is known to be there. */
    private static final class Probe {
        static int preferredBits() {
            return jdk.incubator.vector.ByteVector.SPECIES_PREFERRED.vectorBitSize();
        }
    }
}
