package dev.caravel.tensor.kernel;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The start-up choice of the kernel width ({@link VectorWidth#choose}), independent of this JVM's flags. */
class VectorWidthTest {
    private static int choose(String vector, String bits, int preferred, String[] reason) {
        return VectorWidth.choose(vector, bits, preferred, reason);
    }

    @Test
    void defaultsToThePreferredWidthCappedAt512() {
        String[] r = new String[1];
        assertThat(choose("true", null, 512, r)).isEqualTo(512);
        assertThat(r[0]).isEqualTo("using 512-bit Vector API kernels (preferred species on this CPU)");
        assertThat(choose("true", null, 256, r)).isEqualTo(256);
        assertThat(choose("true", null, 128, r)).isEqualTo(128);
        assertThat(choose("true", null, 2048, r)).isEqualTo(512);
        assertThat(r[0]).contains("capped at 512");
    }

    @Test
    void propertyForcesOrCapsTheWidth() {
        String[] r = new String[1];
        assertThat(choose(null, "256", 512, r)).isEqualTo(256);
        assertThat(r[0]).contains("caravel.vector.bits=256");
        assertThat(choose(null, " 128 ", 512, r)).isEqualTo(128);
        assertThat(choose(null, "512", 256, r)).isEqualTo(512);
        assertThat(r[0]).contains("slow");
        assertThat(choose(null, "300", 512, r)).isEqualTo(512);
        assertThat(r[0]).contains("ignoring caravel.vector.bits=300");
    }

    @Test
    void scalarWhenDisabledOrUnavailable() {
        String[] r = new String[1];
        assertThat(choose("false", "256", 512, r)).isZero();
        assertThat(r[0]).isEqualTo("using scalar kernels (caravel.vector=false)");
        assertThat(choose("true", null, -1, r)).isZero();
        assertThat(r[0]).contains("--add-modules jdk.incubator.vector");
        assertThat(choose("true", null, 64, r)).isZero();
    }

    @Test
    void theChoiceIsReportedOnce() {
        assertThat(VectorWidth.description()).isNotBlank();
        assertThat(Kernels.description()).isEqualTo(VectorWidth.description());
        assertThat(VectorWidth.enabled()).isEqualTo(VectorWidth.bits() > 0);
    }

    @org.junit.jupiter.api.Test
    void theVectorApiIsTheDefault() {
        String[] r = new String[1];
        assertThat(choose(null, null, 512, r)).isEqualTo(512);
        assertThat(r[0]).contains("preferred species");
        assertThat(choose(null, null, 256, r)).isEqualTo(256);
    }
}
