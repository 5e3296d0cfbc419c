package dev.caravel.tokenizer;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The tokenizer of a llama.cpp vocabulary: special-token partition, then SentencePiece, byte-level
 * BPE or WordPiece on each text piece, with llama.cpp's BOS/EOS rules; and llama.cpp's detokenizer.
 */
public final class LlamaTokenizer implements Tokenizer {
    private final Vocabulary vocab;
    private final SpmEncoder spm;
    private final BpeEncoder bpe;
    private final RegexSplitter splitter;
    private final WordPieceEncoder wordPiece;
    private final int newline;

    LlamaTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.spm = vocab.type == VocabType.SPM ? new SpmEncoder(vocab) : null;
        this.bpe = vocab.type == VocabType.BPE ? new BpeEncoder(vocab) : null;
        this.splitter = vocab.splitter;
        this.wordPiece = vocab.type == VocabType.WPM ? new WordPieceEncoder(vocab) : null;
        this.newline = findNewline();
    }

    /** llama.cpp's linefeed token: SPM's byte token for '\n', else what "\n" encodes to, else PAD. */
    private int findNewline() {
        return switch (vocab.type) {
            case SPM -> {
                int id = vocab.byteToken('\n');
                yield id != Vocabulary.NONE ? id : vocab.special(SpecialToken.PAD);
            }
            case WPM -> vocab.special(SpecialToken.PAD);
            case BPE -> {
                int[] ids = encode("\n", false, false);
                yield ids.length > 0 ? ids[0] : vocab.special(SpecialToken.PAD);
            }
        };
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        Objects.requireNonNull(text, "text");
        String input = Utf8.sanitize(text);
        List<SpecialTokenSplitter.Fragment> fragments = SpecialTokenSplitter.partition(vocab, input, parseSpecial);
        IntList out = new IntList(Math.max(16, input.length() / 3));
        switch (vocab.type) {
            case SPM -> encodeSpm(input, fragments, addSpecial, out);
            case BPE -> encodeBpe(input, fragments, addSpecial, out);
            case WPM -> encodeWpm(input, fragments, addSpecial, out);
        }
        return out.toArray();
    }

    private void encodeSpm(String input, List<SpecialTokenSplitter.Fragment> fragments, boolean addSpecial, IntList out) {
        if (addSpecial && vocab.addBos) {
            out.add(vocab.special(SpecialToken.BOS));
        }
        boolean afterSpecial = true; // a text piece at the start or after a special token gets the space prefix
        for (SpecialTokenSplitter.Fragment f : fragments) {
            if (f.isText()) {
                String piece = input.substring(f.start(), f.end());
                if (vocab.addSpacePrefix && afterSpecial) {
                    piece = " " + piece;
                }
                spm.encode(piece.replace(" ", Vocabulary.SPACE_MARK), out);
                afterSpecial = false;
            } else {
                out.add(f.token());
                afterSpecial = true;
            }
        }
        if (addSpecial && vocab.addEos) {
            out.add(vocab.special(SpecialToken.EOS));
        }
    }

    private void encodeBpe(String input, List<SpecialTokenSplitter.Fragment> fragments, boolean addSpecial, IntList out) {
        if (addSpecial && vocab.addBos) {
            out.add(vocab.special(SpecialToken.BOS));
        }
        for (SpecialTokenSplitter.Fragment f : fragments) {
            if (!f.isText()) {
                out.add(f.token());
                continue;
            }
            String piece = input.substring(f.start(), f.end());
            if (vocab.escapeWhitespaces) {
                piece = piece.replace(" ", Vocabulary.SPACE_MARK);
            }
            if (vocab.tokenizerModel.equals("whitespace")) {
                encodeWhitespaceWords(piece, out);
            } else {
                encodeBpeText(piece, out);
            }
        }
        if (addSpecial && vocab.addEos) {
            out.add(vocab.special(SpecialToken.EOS));
        }
    }

    private void encodeBpeText(String text, IntList out) {
        int[] cps = Utf8.codePoints(text);
        IntList words = splitter.split(cps);
        boolean byteEncode = vocab.pre.type().byteEncode();
        int start = 0;
        for (int w = 0; w < words.size(); w++) {
            int end = start + words.get(w);
            String word = byteEncode ? ByteLevel.encode(cps, start, end) : new String(cps, start, end - start);
            bpe.encodeWord(word, out);
            start = end;
        }
    }

    /** The "whitespace" tokenizer model: white space separates words and is dropped. */
    private void encodeWhitespaceWords(String text, IntList out) {
        StringBuilder segment = new StringBuilder();
        for (int cp : Utf8.codePoints(text)) {
            if (UnicodeData.isWhitespace(cp)) {
                if (!segment.isEmpty()) {
                    encodeBpeText(segment.toString(), out);
                    segment.setLength(0);
                }
            } else {
                segment.appendCodePoint(vocab.lowercase ? UnicodeData.toLower(cp) : cp);
            }
        }
        if (!segment.isEmpty()) {
            encodeBpeText(segment.toString(), out);
        }
    }

    private void encodeWpm(String input, List<SpecialTokenSplitter.Fragment> fragments, boolean addSpecial, IntList out) {
        // BERT wraps the text in [CLS] ... [SEP] whatever add_bos says (as llama.cpp does)
        addIfPresent(addSpecial, SpecialToken.BOS, out);
        for (SpecialTokenSplitter.Fragment f : fragments) {
            if (f.isText()) {
                wordPiece.encode(input.substring(f.start(), f.end()), out);
            } else {
                out.add(f.token());
            }
        }
        addIfPresent(addSpecial, SpecialToken.SEP, out);
    }

    private void addIfPresent(boolean wanted, SpecialToken which, IntList out) {
        int id = vocab.special(which);
        if (wanted && id != Vocabulary.NONE) {
            out.add(id);
        }
    }

    @Override
    public String decode(int[] ids, boolean removeSpecial, boolean renderSpecial) {
        Objects.requireNonNull(ids, "ids");
        int from = 0;
        int to = ids.length;
        boolean removeSpace = vocab.addSpacePrefix;
        if (removeSpecial && vocab.addBos && to > 0 && ids[0] == vocab.special(SpecialToken.BOS)) {
            removeSpace = false; // the text after BOS keeps its leading space, as in llama.cpp
            from++;
        }
        if (removeSpecial && vocab.addEos && to > from && ids[to - 1] == vocab.special(SpecialToken.EOS)) {
            to--;
        }
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        for (int i = from; i < to; i++) {
            byte[] piece = tokenPiece(ids[i], renderSpecial);
            int skip = removeSpace && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
            text.write(piece, skip, piece.length - skip);
            removeSpace = false;
        }
        byte[] bytes = text.toByteArray();
        if (vocab.cleanSpaces) {
            bytes = SpaceCleaner.clean(bytes);
        }
        return Utf8.decodeLenient(bytes, 0, bytes.length);
    }

    @Override
    public byte[] tokenBytes(int id) {
        return vocab.piece(checked(id)).clone();
    }

    @Override
    public byte[] tokenPiece(int id, boolean renderSpecial) {
        checked(id);
        if (!renderSpecial && vocab.has(id, Vocabulary.ATTR_UNKNOWN | Vocabulary.ATTR_CONTROL)) {
            return new byte[0];
        }
        return vocab.piece(id).clone();
    }

    @Override
    public String tokenText(int id) {
        return vocab.texts[checked(id)];
    }

    @Override
    public int tokenId(String text) {
        return vocab.id(text);
    }

    @Override
    public TokenType tokenType(int id) {
        int a = vocab.attrs[checked(id)];
        if ((a & Vocabulary.ATTR_CONTROL) != 0) {
            return TokenType.CONTROL;
        }
        if ((a & Vocabulary.ATTR_USER_DEFINED) != 0) {
            return TokenType.USER_DEFINED;
        }
        if ((a & Vocabulary.ATTR_UNKNOWN) != 0) {
            return TokenType.UNKNOWN;
        }
        if ((a & Vocabulary.ATTR_BYTE) != 0) {
            return TokenType.BYTE;
        }
        if ((a & Vocabulary.ATTR_UNUSED) != 0) {
            return TokenType.UNUSED;
        }
        return (a & Vocabulary.ATTR_NORMAL) != 0 ? TokenType.NORMAL : TokenType.UNDEFINED;
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public VocabType vocabType() {
        return vocab.type;
    }

    @Override
    public int specialToken(SpecialToken which) {
        return which == SpecialToken.NEWLINE ? newline : vocab.special(which);
    }

    @Override
    public boolean addsBos() {
        return vocab.type == VocabType.WPM || vocab.addBos;
    }

    @Override
    public boolean addsEos() {
        return vocab.addEos;
    }

    @Override
    public boolean addsSpacePrefix() {
        return vocab.addSpacePrefix;
    }

    @Override
    public Set<Integer> endOfGenerationTokens() {
        return vocab.endOfGeneration;
    }

    @Override
    public boolean isEndOfGeneration(int id) {
        return vocab.endOfGeneration.contains(id);
    }

    @Override
    public boolean isControl(int id) {
        return vocab.has(checked(id), Vocabulary.ATTR_CONTROL);
    }

    @Override
    public boolean isSpecial(int id) {
        return vocab.has(checked(id), Vocabulary.ATTR_CONTROL | Vocabulary.ATTR_USER_DEFINED | Vocabulary.ATTR_UNKNOWN);
    }

    @Override
    public Optional<String> chatTemplate() {
        return Optional.ofNullable(vocab.chatTemplate);
    }

    /** The {@code tokenizer.ggml.pre} type in use (BPE only). */
    public Optional<String> preTokenizer() {
        return vocab.pre == null ? Optional.empty() : Optional.of(vocab.pre.type().name().toLowerCase(java.util.Locale.ROOT));
    }

    private int checked(int id) {
        if (id < 0 || id >= vocab.size()) {
            throw new IndexOutOfBoundsException("token id " + id + " is outside the vocabulary of " + vocab.size());
        }
        return id;
    }

    @Override
    public String toString() {
        return "LlamaTokenizer[" + vocab.type + (vocab.pre != null ? "/" + vocab.pre.type() : "") + ", " + vocab.size() + " tokens]";
    }
}
