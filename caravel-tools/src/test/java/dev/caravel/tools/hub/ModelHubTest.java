package dev.caravel.tools.hub;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pulling from a Hub on loopback (see {@link FakeHub}) into a cache under a temporary directory. */
class ModelHubTest {
    static final String REPO = "test-org/Tiny-GGUF";
    static final String Q4 = "tiny-q4_k_m.gguf";
    static final String Q8 = "tiny-q8_0.gguf";

    @TempDir
    Path cache;

    FakeHub hub;
    List<String> log = new ArrayList<>();
    ByteArrayOutputStream bar = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub().repo(REPO, Map.of(Q4, "random-llama-q4_k_m.gguf", Q8, "random-llama-q8_0.gguf"));
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    ModelHub modelHub(HubConfig config) {
        return new ModelHub(config, new ProgressBar(new PrintStream(bar, true, StandardCharsets.UTF_8), false), log::add);
    }

    ModelHub modelHub() {
        return modelHub(hub.config(cache));
    }

    void assertPulledIntact(ModelHub.Pulled p, String file) throws IOException {
        FakeHub.Served served = hub.file(REPO, file);
        Path repoDir = cache.resolve("models--test-org--Tiny-GGUF");
        Path blob = repoDir.resolve("blobs").resolve(served.sha256());
        Path snap = repoDir.resolve("snapshots").resolve(hub.commit(REPO)).resolve(file);
        assertThat(p.path()).isEqualTo(snap);
        assertThat(Files.isSymbolicLink(snap)).isTrue();
        assertThat(Files.readSymbolicLink(snap).toString()).isEqualTo("../../blobs/" + served.sha256());
        assertThat(Files.readString(repoDir.resolve("refs/main"))).isEqualTo(hub.commit(REPO));
        assertThat(Files.readAllBytes(blob)).isEqualTo(FakeHub.bytes(served));
        assertThat(repoDir.resolve("blobs").resolve(served.sha256() + ".incomplete")).doesNotExist();
    }

    @Test
    void pullsTheQ4KMFileOfARepositoryIntoTheHuggingFaceCacheLayout() throws IOException {
        ModelHub.Pulled p = modelHub().pull(ModelRef.parse(REPO));
        assertThat(p.file()).isEqualTo(Q4);
        assertThat(p.downloaded()).isTrue();
        assertPulledIntact(p, Q4);
        assertThat(log).anyMatch(l -> l.contains("pulling " + REPO + "/" + Q4) && l.contains("127.0.0.1"));
        assertThat(bar.toString(StandardCharsets.UTF_8)).contains(Q4).contains("100%");
        // The bytes came from the CDN host, which never sees the token (there was none here either).
        assertThat(hub.requests("GET", "/cdn/")).hasSize(1);

        // A second pull finds the blob and downloads nothing.
        ModelHub.Pulled again = modelHub().pull(ModelRef.parse(REPO + "/" + Q4));
        assertThat(again.downloaded()).isFalse();
        assertThat(hub.requests("GET", "/cdn/")).hasSize(1);
    }

    @Test
    void aQuantTagOrAFileNamePicksTheFile() throws IOException {
        assertPulledIntact(modelHub().pull(ModelRef.parse(REPO + ":q8_0")), Q8);
        assertThat(modelHub().resolve(REPO + ":Q8_0")).isEqualTo(cache.resolve("models--test-org--Tiny-GGUF/snapshots")
                .resolve(hub.commit(REPO)).resolve(Q8));
    }

    @Test
    void shortNamesPullFromTheirRepository() throws IOException {
        hub.repo("Qwen/Qwen2.5-0.5B-Instruct-GGUF", Map.of("qwen2.5-0.5b-instruct-q4_k_m.gguf", "random-qwen2-q4_k_m.gguf",
                "qwen2.5-0.5b-instruct-q8_0.gguf", "random-qwen2-q8_0.gguf", "qwen2.5-0.5b-instruct-fp16.gguf", "random-qwen2-f32.gguf"));
        Path p = modelHub().resolve("qwen2.5:0.5b-q8_0");
        assertThat(p.getFileName().toString()).isEqualTo("qwen2.5-0.5b-instruct-q8_0.gguf");
        assertThat(Files.readAllBytes(p)).isEqualTo(FakeHub.bytes(hub.file("Qwen/Qwen2.5-0.5B-Instruct-GGUF", "qwen2.5-0.5b-instruct-q8_0.gguf")));
        assertThat(modelHub().resolve("qwen2.5:0.5b").getFileName().toString()).isEqualTo("qwen2.5-0.5b-instruct-q4_k_m.gguf");
        assertThat(modelHub().resolve("qwen2.5:0.5b-f16").getFileName().toString()).isEqualTo("qwen2.5-0.5b-instruct-fp16.gguf");
    }

    @Test
    void aDroppedConnectionResumesWithARangeRequestAndTheRightBytes() throws IOException {
        hub.dropAfter.set(300_000);
        hub.drops.set(2);
        ModelHub.Pulled p = modelHub().pull(ModelRef.parse(REPO + "/" + Q4));
        assertPulledIntact(p, Q4);
        List<FakeHub.Request> gets = hub.requests("GET", "/cdn/");
        assertThat(gets).hasSize(3);
        assertThat(gets.get(0).range()).isNull();
        // Each resume starts where the bytes on disk end: at most what the server sent before it dropped.
        long second = rangeStart(gets.get(1).range());
        long third = rangeStart(gets.get(2).range());
        assertThat(second).isBetween(1L, 300_000L);
        assertThat(third).isBetween(second + 1, second + 300_000L);
        assertThat(bar.toString(StandardCharsets.UTF_8)).contains("retrying");
    }

    static long rangeStart(String range) {
        assertThat(range).matches("bytes=\\d+-");
        return Long.parseLong(range.substring(6, range.length() - 1));
    }

    @Test
    void anInterruptedDownloadLeftOnDiskIsResumed() throws IOException {
        FakeHub.Served served = hub.file(REPO, Q4);
        Path incomplete = cache.resolve("models--test-org--Tiny-GGUF/blobs").resolve(served.sha256() + ".incomplete");
        Files.createDirectories(incomplete.getParent());
        byte[] bytes = FakeHub.bytes(served);
        Files.write(incomplete, java.util.Arrays.copyOf(bytes, 123_456));
        assertPulledIntact(modelHub().pull(ModelRef.parse(REPO + "/" + Q4)), Q4);
        assertThat(hub.requests("GET", "/cdn/")).singleElement().extracting(FakeHub.Request::range).isEqualTo("bytes=123456-");
        assertThat(bar.toString(StandardCharsets.UTF_8)).contains("resuming " + Q4 + " at 123.5 kB");
    }

    @Test
    void serverErrorsAreRetriedWithBackOff() throws IOException {
        hub.failures.set(2);
        hub.metadataFailures.set(1);
        assertPulledIntact(modelHub().pull(ModelRef.parse(REPO + "/" + Q4)), Q4);
        assertThat(hub.requests("GET", "/cdn/")).hasSize(3);
    }

    @Test
    void persistentServerErrorsEndWithAClearErrorAndKeepNothingBroken() {
        hub.failures.set(100);
        assertThatThrownBy(() -> modelHub().pull(ModelRef.parse(REPO + "/" + Q4)))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.NETWORK))
                .hasMessageContaining("HTTP 503").hasMessageContaining("4 times");
        assertThat(cache.resolve("models--test-org--Tiny-GGUF/snapshots")).doesNotExist();
    }

    @Test
    void aStalledTransferIsAbandonedAndRetried() throws IOException {
        HubConfig quick = new HubConfig(hub.endpoint(), null, cache, false, java.time.Duration.ofSeconds(5),
                java.time.Duration.ofMillis(300), 3, java.time.Duration.ofMillis(10));
        hub.stallMillis.set(3000);
        long t0 = System.nanoTime();
        assertPulledIntact(modelHub(quick).pull(ModelRef.parse(REPO + "/" + Q4)), Q4);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2500);
        assertThat(hub.requests("GET", "/cdn/")).hasSize(2);
    }

    @Test
    void aChecksumMismatchDeletesTheDownloadAndSaysSo() {
        hub.corrupt = true;
        FakeHub.Served served = hub.file(REPO, Q4);
        assertThatThrownBy(() -> modelHub().pull(ModelRef.parse(REPO + "/" + Q4)))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.CHECKSUM))
                .hasMessageContaining("checksum mismatch").hasMessageContaining(served.sha256()).hasMessageContaining("deleted");
        Path blobs = cache.resolve("models--test-org--Tiny-GGUF/blobs");
        assertThat(blobs.resolve(served.sha256())).doesNotExist();
        assertThat(blobs.resolve(served.sha256() + ".incomplete")).doesNotExist();
        assertThat(cache.resolve("models--test-org--Tiny-GGUF/snapshots")).doesNotExist();
    }

    @Test
    void gatedModelsNeedTheTokenWhichNeverGoesToTheCdn() throws IOException {
        hub.gated.add(REPO);
        assertThatThrownBy(() -> modelHub().pull(ModelRef.parse(REPO + "/" + Q4)))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.UNAUTHORIZED))
                .hasMessageContaining("gated").hasMessageContaining("HF_TOKEN").hasMessageContaining("licence")
                .hasMessageContaining(hub.endpoint() + "/" + REPO);
        HubConfig wrong = new HubConfig(hub.endpoint(), "hf_wrong", cache, false, java.time.Duration.ofSeconds(5),
                java.time.Duration.ofSeconds(5), 1, java.time.Duration.ofMillis(10));
        assertThatThrownBy(() -> modelHub(wrong).pull(ModelRef.parse(REPO + "/" + Q4)))
                .hasMessageContaining("token was sent and not accepted");
        HubConfig right = new HubConfig(hub.endpoint(), FakeHub.TOKEN, cache, false, java.time.Duration.ofSeconds(5),
                java.time.Duration.ofSeconds(5), 1, java.time.Duration.ofMillis(10));
        assertPulledIntact(modelHub(right).pull(ModelRef.parse(REPO)), Q4);
        assertThat(hub.requests("GET", "/cdn/")).allSatisfy(r -> assertThat(r.authorization()).isNull());
        assertThat(hub.requests("HEAD", "/resolve/")).last().extracting(FakeHub.Request::authorization)
                .isEqualTo("Bearer " + FakeHub.TOKEN);
    }

    @Test
    void missingRepositoriesFilesAndNamesAreNamed() {
        assertThatThrownBy(() -> modelHub().pull(ModelRef.parse("test-org/Nope-GGUF")))
                .hasMessageContaining("repository test-org/Nope-GGUF not found on 127.0.0.1");
        assertThatThrownBy(() -> modelHub().pull(ModelRef.parse(REPO + "/nope.gguf")))
                .hasMessageContaining("file nope.gguf not found in " + REPO);
        assertThatThrownBy(() -> modelHub().pull(ModelRef.parse(REPO + ":Q2_K")))
                .hasMessageContaining("no single-file Q2_K GGUF in " + REPO).hasMessageContaining(Q8 + " (Q8_0)");
        assertThatThrownBy(() -> modelHub().resolve("llama3.2:3b"))
                .hasMessageContaining("repository bartowski/Llama-3.2-3B-Instruct-GGUF not found")
                .hasMessageContaining("'llama3.2:3b' is a short name for").hasMessageContaining("known names: qwen2.5:0.5b");
        assertThatThrownBy(() -> modelHub().resolve("qwen9:1b"))
                .hasMessageContaining("unknown model 'qwen9:1b'").hasMessageContaining("qwen2.5:0.5b").hasMessageContaining("llama3.2:1b");
    }

    @Test
    void severalFilesOfTheQuantizationAreAmbiguous() {
        hub.repo("test-org/Two-GGUF", Map.of("a-Q4_K_M.gguf", "random-llama-q4_k_m.gguf", "b-Q4_K_M.gguf", "random-qwen2-q4_k_m.gguf"));
        assertThatThrownBy(() -> modelHub().pull(ModelRef.parse("test-org/Two-GGUF")))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.AMBIGUOUS))
                .hasMessageContaining("a-Q4_K_M.gguf").hasMessageContaining("b-Q4_K_M.gguf");
    }

    @Test
    void notEnoughDiskSpaceIsCheckedBeforeDownloading() {
        hub.hugeFile(REPO, "huge-q4_k_m.gguf", 1L << 60);
        assertThatThrownBy(() -> modelHub().pull(ModelRef.parse(REPO + "/huge-q4_k_m.gguf")))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.DISK))
                .hasMessageContaining("not enough disk space").hasMessageContaining("HF_HOME");
        assertThat(hub.requests("GET", "/cdn/")).isEmpty();
    }

    @Test
    void offlineModeUsesTheCacheOnlyAndSaysWhatIsMissing() throws IOException {
        Path pulled = modelHub().resolve(REPO);
        hub.close();
        ModelHub offline = modelHub(hub.config(cache).withOffline(true));
        assertThat(offline.resolve(REPO)).isEqualTo(pulled);
        assertThat(offline.pull(ModelRef.parse(REPO)).path()).isEqualTo(pulled);
        assertThatThrownBy(() -> offline.resolve(REPO + ":Q8_0"))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.OFFLINE))
                .hasMessageContaining("not in the model cache").hasMessageContaining("offline");
    }

    @Test
    void anUnreachableHubNamesTheHostAndHfEndpointAndFallsBackToTheCache() throws IOException {
        Path pulled = modelHub().resolve(REPO);
        hub.close();
        ModelHub down = modelHub();
        assertThat(down.pull(ModelRef.parse(REPO)).path()).isEqualTo(pulled);
        assertThat(log).anyMatch(l -> l.contains("cannot reach 127.0.0.1") && l.contains("using the cached copy"));
        assertThatThrownBy(() -> down.pull(ModelRef.parse(REPO + ":Q8_0")))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.NETWORK))
                .hasMessageContaining("cannot reach 127.0.0.1").hasMessageContaining("HF_ENDPOINT");
    }

    @Test
    void aNewCommitLinksANewSnapshotToTheSameBlob() throws IOException {
        ModelHub.Pulled first = modelHub().pull(ModelRef.parse(REPO));
        hub.newCommit(REPO, "2");
        ModelHub.Pulled second = modelHub().pull(ModelRef.parse(REPO));
        assertThat(second.downloaded()).isFalse();
        assertThat(second.path()).isNotEqualTo(first.path());
        assertThat(second.path().toRealPath()).isEqualTo(first.path().toRealPath());
        assertThat(new HubCache(cache).list(REPO)).hasSize(2).first().satisfies(f -> assertThat(f.current()).isTrue());
    }

    @Test
    void removingAFileDeletesItsBlobOnlyWhenNothingElseLinksToIt() throws IOException {
        ModelHub mh = modelHub();
        mh.pull(ModelRef.parse(REPO + ":Q8_0"));
        ModelHub.Pulled q4 = mh.pull(ModelRef.parse(REPO));
        hub.newCommit(REPO, "2");
        mh.pull(ModelRef.parse(REPO));
        HubCache c = mh.cache();
        assertThat(c.list()).hasSize(3);
        Path blob = q4.path().toRealPath();
        // The Q4_K_M file of the old commit: its blob is still linked from the new one.
        HubCache.CachedFile old = c.list(REPO).stream().filter(f -> !f.current() && f.file().equals(Q4)).findFirst().orElseThrow();
        assertThat(c.remove(old)).isZero();
        assertThat(blob).exists();
        for (HubCache.CachedFile f : mh.matching(ModelRef.parse(REPO + ":Q4_K_M"))) {
            assertThat(c.remove(f)).isEqualTo(hub.file(REPO, Q4).size());
        }
        assertThat(blob).doesNotExist();
        assertThat(c.list()).singleElement().extracting(HubCache.CachedFile::file).isEqualTo(Q8);
        for (HubCache.CachedFile f : mh.matching(ModelRef.parse(REPO))) {
            c.remove(f);
        }
        assertThat(cache.resolve("models--test-org--Tiny-GGUF")).doesNotExist();
    }

    @Test
    void localFilesAreUsedAsTheyAreAndMissingPathsAreNotPulled() {
        Path local = FakeHub.SHARED.resolve("models/stories260K.gguf");
        assertThat(modelHub().resolve(local.toString())).isEqualTo(local);
        assertThatThrownBy(() -> modelHub().resolve("models/nope.gguf")).hasMessageContaining("models/nope.gguf: no such file");
        assertThatThrownBy(() -> modelHub().resolve("./nope")).hasMessageContaining("no such file");
        assertThat(hub.requests).isEmpty();
    }
}
