package dev.caravel.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class RoundTripAndStreamingTest {
    private static final String MIXED = "你好，世界！Hello, world 🙂🚀 naïve café — 床前明月光\n\tcode: x += 1; // ok 😀";

    private static LlamaTokenizer stories() {
        return TestData.gguf(TestData.shared().resolve("models/stories260K.gguf"));
    }

    private static LlamaTokenizer gpt2() {
        return TestData.gguf(TestData.tokenizerVectors().resolve("ggml-vocab-gpt-2.gguf"));
    }

    @ParameterizedTest
    @ValueSource(strings = {MIXED, "", " ", "  leading and trailing  ", "\n\n\n", "emoji 😀🚀 and symbols ©®™", "混合 English 和中文 123456"})
    void byteLevelBpeRoundTrips(String text) {
        LlamaTokenizer qwen = TestData.qwen3();
        assertThat(qwen.decode(qwen.encode(text, false, false))).isEqualTo(text);
    }

    @Test
    void sentencePieceRoundTripsThroughByteFallback() {
        LlamaTokenizer spm = stories();
        int[] ids = spm.encode(MIXED, false, false);
        assertThat(spm.decode(ids)).isEqualTo(MIXED); // the space prefix is removed again
    }

    @Test
    void streamingNeverSplitsACharacter() {
        LlamaTokenizer spm = stories(); // 512 tokens: every CJK character and emoji is byte fallback
        int[] ids = spm.encode("小猫🙂", false, false);
        assertThat(ids.length).isGreaterThan(4);
        StreamingDecoder decoder = new StreamingDecoder(spm, false, true);
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            String part = decoder.push(id);
            assertThat(part.chars().noneMatch(c -> c == 0xFFFD)).as("no replacement characters while streaming").isTrue();
            text.append(part);
        }
        assertThat(decoder.hasPendingBytes()).isFalse();
        text.append(decoder.flush());
        assertThat(text.toString()).isEqualTo("小猫🙂");
    }

    @Test
    void streamingHoldsBytesUntilTheCharacterIsComplete() {
        LlamaTokenizer spm = stories();
        int e4 = spm.tokenId("<0xE4>");
        int b8 = spm.tokenId("<0xB8>");
        int ad = spm.tokenId("<0xAD>");
        StreamingDecoder decoder = new StreamingDecoder(spm, false, false);
        assertThat(decoder.push(e4)).isEmpty();
        assertThat(decoder.push(b8)).isEmpty();
        assertThat(decoder.hasPendingBytes()).isTrue();
        assertThat(decoder.push(ad)).isEqualTo("中");
    }

    @Test
    void flushReplacesAnIncompleteTail() {
        LlamaTokenizer spm = stories();
        StreamingDecoder decoder = new StreamingDecoder(spm, false, false);
        assertThat(decoder.push(spm.tokenId("▁a"), spm.tokenId("<0xE4>"), spm.tokenId("<0xB8>"))).isEqualTo(" a");
        assertThat(decoder.flush()).isEqualTo("\uFFFD");
        assertThat(decoder.push(spm.tokenId("<0x41>"))).isEqualTo("A"); // usable again after flush
    }

    @Test
    void invalidBytesAreReplacedRightAway() {
        LlamaTokenizer spm = stories();
        StreamingDecoder decoder = new StreamingDecoder(spm, false, false);
        assertThat(decoder.push(spm.tokenId("<0xE9>"), spm.tokenId("<0x41>"))).isEqualTo("\uFFFDA");
    }

    @Test
    void streamingStripsTheSpacePrefixOfTheFirstTokenOnlyFromTheStartOfText() {
        LlamaTokenizer spm = stories();
        int[] ids = spm.encode("Once upon a time", false, false);
        StreamingDecoder fromStart = new StreamingDecoder(spm, false, true);
        assertThat(fromStart.push(ids) + fromStart.flush()).isEqualTo("Once upon a time");
        StreamingDecoder continuation = spm.streamingDecoder();
        assertThat(continuation.push(ids) + continuation.flush()).isEqualTo(" Once upon a time");
    }

    @Test
    void byteLevelStreamingOfMultiByteCharacters() {
        LlamaTokenizer gpt2 = gpt2(); // GPT-2 splits most CJK characters over several byte tokens
        int[] ids = gpt2.encode("我想在apple工作", false, false);
        StreamingDecoder decoder = gpt2.streamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(decoder.push(id));
            assertThat(text.toString()).doesNotContain("\uFFFD");
        }
        assertThat(text.append(decoder.flush()).toString()).isEqualTo("我想在apple工作");
    }

    @Test
    void tokenBytes() {
        LlamaTokenizer spm = stories();
        assertThat(spm.tokenBytes(spm.tokenId("<0x0A>"))).containsExactly(0x0A);
        assertThat(new String(spm.tokenBytes(spm.tokenId("▁a")), StandardCharsets.UTF_8)).isEqualTo(" a");
        LlamaTokenizer gpt2 = gpt2();
        assertThat(new String(gpt2.tokenBytes(gpt2.tokenId("Ġthe")), StandardCharsets.UTF_8)).isEqualTo(" the");
        assertThat(gpt2.tokenBytes(gpt2.tokenId("Ċ"))).containsExactly('\n');
    }

    @Test
    void bertDecodesWithItsPhantomSpaces() {
        LlamaTokenizer bert = TestData.gguf(TestData.tokenizerVectors().resolve("ggml-vocab-bert-bge.gguf"));
        int[] ids = bert.encode("Hello, world!", true, false);
        assertThat(ids[0]).isEqualTo(101);
        assertThat(ids[ids.length - 1]).isEqualTo(102);
        assertThat(bert.decode(ids)).isEqualTo(" hello, world!");
    }

    @Test
    void sentencePieceSpecialsAndEndOfGeneration() {
        LlamaTokenizer phi3 = TestData.gguf(TestData.tokenizerVectors().resolve("ggml-vocab-phi-3.gguf"));
        assertThat(phi3.bos()).isEqualTo(1);
        assertThat(phi3.eos()).isEqualTo(32000);
        assertThat(phi3.endOfGenerationTokens()).contains(32000, 32007); // <|endoftext|>, <|end|>
        assertThat(phi3.specialToken(SpecialToken.EOT)).isEqualTo(32007);
        // Phi-3's special tokens swallow the white space after them (rstrip)
        assertThat(phi3.encode("<|user|>\nHi", true, true)).containsExactly(1, 32010, 6324);
        LlamaTokenizer stories = stories();
        assertThat(stories.encode("Once", true, false)[0]).isEqualTo(1);
        assertThat(stories.endOfGenerationTokens()).containsExactly(2);
        assertThat(stories.specialToken(SpecialToken.NEWLINE)).isEqualTo(stories.tokenId("<0x0A>"));
    }

    @Test
    void longInputsTokenizeQuickly() {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 100_000) {
            sb.append(MIXED).append(' ');
        }
        String big = sb.toString();
        String oneWord = "a".repeat(100_000);
        String spaces = " ".repeat(100_000) + "x";
        for (Tokenizer t : new Tokenizer[] {TestData.qwen3(), gpt2(), stories(),
                TestData.gguf(TestData.tokenizerVectors().resolve("ggml-vocab-bert-bge.gguf"))}) {
            long start = System.nanoTime();
            for (String text : new String[] {big, oneWord, spaces}) {
                int[] ids = t.encode(text, false, false);
                assertThat(ids).isNotEmpty();
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(millis).as("%s on 3 x 100 KB", t).isLessThan(5_000);
        }
    }
}
