package dev.caravel.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The launcher's start-up cache logic (bin/aot.sh): when a cache is used, when it is made, and that a failed
 * training run is neither noisy nor repeated. A fake {@code java} stands in for the JDK.
 */
class StartupCacheScriptTest {
    static final Path SCRIPT = Path.of(System.getProperty("user.dir")).getParent().resolve("bin/aot.sh");

    @TempDir
    Path dir;
    Path jdk;
    Path jar;
    Path aot;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Files.isRegularFile(SCRIPT), "bin/aot.sh beside the module");
        assumeTrue(run("true").exit == 0, "bash available");
        jdk = Files.createDirectories(dir.resolve("jdk"));
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"25.0.3\"\nJAVA_RUNTIME_VERSION=\"25.0.3+9-LTS\"\n");
        Path bin = Files.createDirectories(jdk.resolve("bin"));
        // Records its arguments; "synth" writes the model, -XX:AOTCacheOutput=FILE writes FILE; FAIL=1 fails.
        Files.writeString(bin.resolve("java"), """
                #!/usr/bin/env bash
                echo "$*" >>"$(dirname "$0")/calls"
                [ "${FAIL:-0}" = 1 ] && { echo "boom" >&2; exit 1; }
                for a in "$@"; do
                  case $a in -XX:AOTCacheOutput=*) echo cache >"${a#-XX:AOTCacheOutput=}" ;; esac
                done
                case " $* " in *" synth "*) echo model >"${@: -1}" ;; esac
                cat >/dev/null
                exit 0
                """);
        bin.resolve("java").toFile().setExecutable(true);
        Path target = Files.createDirectories(dir.resolve("target"));
        jar = target.resolve("caravel.jar");
        Files.writeString(jar, "jar");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        aot = target.resolve("caravel.aot");
    }

    record Result(int exit, String out, String err) {
    }

    Result run(String commands, String... env) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("env"));
        cmd.addAll(List.of(env));
        cmd.addAll(List.of("bash", "-c", "set -euo pipefail; . \"$0\"; " + commands, SCRIPT.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("CARAVEL_AOT");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    /** Runs caravel_aot_options and prints the options it chose. */
    Result options(String... env) throws IOException, InterruptedException {
        return run("caravel_aot_options '" + jdk.resolve("bin/java") + "' '" + jdk + "' '" + aot + "' '" + jar
                + "' --add-modules jdk.incubator.vector -XX:+UseSerialGC; printf '%s\\n' ${CARAVEL_AOT_OPTS[@]+\"${CARAVEL_AOT_OPTS[@]}\"}", env);
    }

    /** As if the jar had been rebuilt after {@code file} was written. */
    void olderThanTheJar(Path file) throws IOException {
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 1000));
    }

    String calls() throws IOException {
        Path calls = jdk.resolve("bin/calls");
        return Files.exists(calls) ? Files.readString(calls) : "";
    }

    @Test
    void firstStartMakesTheCacheThenUsesIt() throws Exception {
        Result first = options();
        assertThat(first.exit).isZero();
        assertThat(first.err).contains("preparing the start-up cache");
        assertThat(first.out).contains("-XX:AOTCache=" + aot).contains("-Xlog:aot*=off");
        assertThat(aot).exists();
        assertThat(Files.readString(aot.resolveSibling("caravel.aot.key"))).contains("25.0.3+9-LTS").contains(jar.toString());
        assertThat(calls()).contains(" synth ").contains("-XX:AOTCacheOutput=").contains(" chat ");
        try (var leftovers = Files.list(aot.getParent())) {
            assertThat(leftovers.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("caravel.jar", "caravel.aot", "caravel.aot.key");
        }

        Files.delete(jdk.resolve("bin/calls"));
        Result second = options();
        assertThat(second.err).isEmpty();
        assertThat(second.out).contains("-XX:AOTCache=" + aot);
        assertThat(calls()).as("no second training run").isEmpty();
    }

    @Test
    void aNewJarOrAnotherJdkOrOtherFlagsMakeANewCache() throws Exception {
        options();
        assertThat(options().err).as("fresh").isEmpty();
        olderThanTheJar(aot);
        assertThat(options().err).as("jar rebuilt").contains("preparing");
        assertThat(options().err).as("fresh again").isEmpty();

        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"25.0.4\"\nJAVA_RUNTIME_VERSION=\"25.0.4+7-LTS\"\n");
        assertThat(options().err).as("JDK updated in place").contains("preparing");

        Result otherFlags = run("caravel_aot_options '" + jdk.resolve("bin/java") + "' '" + jdk + "' '" + aot + "' '" + jar
                + "' -XX:+UseParallelGC");
        assertThat(otherFlags.err).contains("preparing");
    }

    @Test
    void aFailedTrainingRunIsReportedOnceAndNotRepeatedUntilTheJarChanges() throws Exception {
        Result failed = options("FAIL=1");
        assertThat(failed.exit).isZero();
        assertThat(failed.out).as("no cache options").isBlank();
        assertThat(failed.err).contains("could not prepare the start-up cache").doesNotContain("boom");
        assertThat(failed.err.lines().count()).isEqualTo(2);
        assertThat(aot).doesNotExist();

        Result again = options("FAIL=1");
        assertThat(again.err).isEmpty();
        assertThat(again.out).isBlank();

        olderThanTheJar(aot.resolveSibling("caravel.aot.failed"));
        Result rebuilt = options();
        assertThat(rebuilt.err).contains("preparing").doesNotContain("could not");
        assertThat(rebuilt.out).contains("-XX:AOTCache=");
        assertThat(aot.resolveSibling("caravel.aot.failed")).doesNotExist();
    }

    @Test
    void noTemporaryDirectoryIsAFailedTrainingRunToo() throws Exception {
        Result r = options("TMPDIR=" + dir.resolve("missing/tmp"));
        assertThat(r.exit).isZero();
        assertThat(r.out).isBlank();
        assertThat(r.err).contains("could not prepare the start-up cache");
        assertThat(aot.resolveSibling("caravel.aot.failed")).exists();
        assertThat(calls()).isEmpty();
    }

    @Test
    void caravelAotZeroTurnsItOff() throws Exception {
        Result off = options("CARAVEL_AOT=0");
        assertThat(off.out).isBlank();
        assertThat(off.err).isEmpty();
        assertThat(calls()).isEmpty();
        assertThat(aot).doesNotExist();
    }

    @Test
    void aStaleOrForeignCacheIsNeverUsed() throws Exception {
        options();
        Files.writeString(aot.resolveSibling("caravel.aot.key"), "something else\n");
        Result r = run("caravel_aot_usable '" + aot + "' '" + jar + "' \"$(caravel_aot_key '" + jdk + "' '" + jar
                + "' --add-modules jdk.incubator.vector -XX:+UseSerialGC)\" && echo usable || echo stale");
        assertThat(r.out.strip()).isEqualTo("stale");
        Files.delete(aot);
        Result missing = run("caravel_aot_usable '" + aot + "' '" + jar + "' x && echo usable || echo stale");
        assertThat(missing.out.strip()).isEqualTo("stale");
    }
}
