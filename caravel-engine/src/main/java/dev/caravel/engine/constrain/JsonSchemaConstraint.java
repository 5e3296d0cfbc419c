package dev.caravel.engine.constrain;

import dev.caravel.engine.TokenConstraint;
import dev.caravel.tokenizer.Tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;

/**
 * Constrains generation to a {@link Grammar}: a JSON value valid against a schema, any JSON object, or a
 * composed format such as a tool call. The matcher works on bytes, so tokens may end inside a UTF-8
 * character; only well-formed UTF-8 is ever allowed.
 *
 * <p>Masking walks the vocabulary's {@link TokenTrie} with the matcher state, dropping a whole subtree as
 * soon as its prefix is rejected. End-of-generation tokens are allowed exactly when the output is a
 * complete value; control tokens never are (except the optional first token a format may name).
 *
 * <p>Termination: after {@link #setTokenBudget}, a token is allowed only if the output can still be
 * completed in the tokens left (counting one token per byte of the shortest completion, which every
 * byte-level and byte-fallback vocabulary can write), so a budget that was enough at the start always
 * ends in a complete value. Not thread-safe: one instance per generation.
 */
public final class JsonSchemaConstraint implements TokenConstraint {
    private final TokenTrie trie;
    private final Node root;
    private final boolean needsEnd;       // a complete value may still continue: an end token closes it
    private final int[] firstTokens;      // control tokens allowed as the very first token only
    private final Threads current = new Threads();
    private final Threads scratch = new Threads();
    private final Threads[] levels;
    private final boolean[] allowed;
    private final ByteArrayOutputStream text = new ByteArrayOutputStream();
    private int budget = Integer.MAX_VALUE;
    private boolean started;
    private boolean ended;
    private boolean complete;

    private JsonSchemaConstraint(Grammar grammar, Tokenizer tokenizer, int[] firstTokens) {
        grammar.prepare();
        this.trie = TokenTrie.of(tokenizer);
        this.root = grammar.root;
        this.needsEnd = !root.selfDelimiting(Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
        this.firstTokens = firstTokens.clone();
        this.levels = new Threads[trie.maxDepth() + 1];
        for (int i = 0; i < levels.length; i++) {
            levels[i] = new Threads();
        }
        this.allowed = new boolean[trie.vocab];
        // The initial state: a sentinel frame whose only step enters the root. A one-part sequence does that.
        current.add(new Frame(new SeqNode(java.util.List.of(root)), 0, 0, 0, null));
        ((SeqNode) current.items[0].node).finish();
    }

    /** Any JSON object (OpenAI {@code response_format: {"type": "json_object"}}). */
    public static JsonSchemaConstraint anyJsonObject(Tokenizer tokenizer) {
        return new JsonSchemaConstraint(Grammar.anyObject(), tokenizer, new int[0]);
    }

    /**
     * A JSON value valid against {@code schema} (OpenAI {@code response_format: json_schema}).
     *
     * @param schema the parsed schema: maps, lists, strings, numbers, booleans, null
     * @throws IllegalArgumentException with a client-facing message naming the unsupported keyword or the
     *                                  contradiction (map it to HTTP 400)
     */
    public static JsonSchemaConstraint compile(Object schema, Tokenizer tokenizer) {
        return new JsonSchemaConstraint(Grammar.schema(schema), tokenizer, new int[0]);
    }

    /** Output that follows {@code grammar}. */
    public static JsonSchemaConstraint of(Grammar grammar, Tokenizer tokenizer) {
        return new JsonSchemaConstraint(grammar, tokenizer, new int[0]);
    }

    /**
     * Output that follows {@code grammar}, optionally preceded by one of {@code firstTokens} (control tokens
     * such as Mistral's {@code [TOOL_CALLS]}, which decode to no text).
     */
    public static JsonSchemaConstraint of(Grammar grammar, Tokenizer tokenizer, int... firstTokens) {
        return new JsonSchemaConstraint(grammar, tokenizer, firstTokens);
    }

    /**
     * Tokens that may still be generated, this one included (e.g. max_tokens, or what the context has
     * left). Each {@link #accept} counts one down.
     */
    @Override
    public void setTokenBudget(int remainingTokens) {
        this.budget = Math.max(0, remainingTokens);
    }

    /** The bytes accepted so far, as text. */
    public String text() {
        return text.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void mask(float[] logits) {
        if (complete || ended) {
            for (int i = 0; i < logits.length; i++) {
                if (!trie.endOfGenerationContains(i)) {
                    logits[i] = Float.NEGATIVE_INFINITY;
                }
            }
            return;
        }
        boolean any = walk(budget);
        if (!any && budget != Integer.MAX_VALUE) {
            any = walk(Integer.MAX_VALUE); // the budget was too small from the start: at least stay valid
        }
        int n = Math.min(logits.length, trie.vocab);
        for (int i = 0; i < n; i++) {
            if (!allowed[i]) {
                logits[i] = Float.NEGATIVE_INFINITY;
            }
        }
        for (int i = n; i < logits.length; i++) {
            logits[i] = Float.NEGATIVE_INFINITY;
        }
    }

    /** Marks the allowed tokens in {@link #allowed}; returns whether there is any. */
    private boolean walk(int tokensLeft) {
        Arrays.fill(allowed, false);
        boolean any = false;
        if (current.canFinish()) {
            for (int id : trie.endOfGeneration) {
                allowed[id] = true;
                any = true;
            }
        }
        if (!started) {
            for (int id : firstTokens) {
                if (id >= 0 && id < allowed.length) {
                    allowed[id] = true;
                    any = true;
                }
            }
        }
        boolean limited = tokensLeft != Integer.MAX_VALUE;
        int afterThis = tokensLeft - 1;
        TokenTrie.Layout layout = trie.all;
        int room = current.size == 1 && current.items[0].node instanceof StringNode s ? s.freeRoom(current.items[0]) : -1;
        if (room >= 0 && (!limited || tokensNeeded(current) <= afterThis)) {
            // Plain characters keep the string open and do not lengthen the shortest completion: allow every
            // one that fits, and walk only the trie of the other tokens.
            int[] plain = trie.plain;
            int[] chars = trie.plainChars;
            for (int k = 0; k < plain.length; k++) {
                if (chars[k] <= room) {
                    allowed[plain[k]] = true;
                    any = true;
                }
            }
            layout = trie.nonPlain;
        }
        levels[0].copyFrom(current);
        byte[] bytes = layout.bytes;
        int[] depth = layout.depth;
        int[] end = layout.end;
        int[] token = layout.token;
        int[] same = layout.sameBytes;
        int nodes = layout.nodes;
        int i = 0;
        while (i < nodes) {
            int d = depth[i];
            Threads out = levels[d];
            levels[d - 1].feedAll(bytes[i] & 0xFF, out);
            if (out.size == 0) {
                i = end[i];
                continue;
            }
            int t = token[i];
            if (t >= 0 && (!limited || tokensNeeded(out) <= afterThis)) {
                for (; t >= 0; t = same[t]) {
                    allowed[t] = true;
                }
                any = true;
            }
            i++;
        }
        for (Threads l : levels) {
            l.clear();
        }
        return any;
    }

    /** Tokens still needed to finish from these states: a byte per token, plus an end token if one is needed. */
    private int tokensNeeded(Threads states) {
        int best = Node.INF;
        for (int k = 0; k < states.size; k++) {
            Frame f = states.items[k];
            int bytes = f.bytesToFinish();
            best = Math.min(best, bytes + (needsEnd ? 1 : 0));
        }
        return best;
    }

    @Override
    public void accept(int token) {
        if (budget != Integer.MAX_VALUE) {
            budget = Math.max(0, budget - 1);
        }
        boolean first = !started;
        started = true;
        if (trie.endOfGenerationContains(token)) {
            ended = true;
            return;
        }
        if (first) {
            for (int id : firstTokens) {
                if (id == token) {
                    return;
                }
            }
        }
        byte[] piece = trie.piece(token);
        if (piece == null) {
            throw new IllegalStateException("token " + token + " is not allowed by the output constraint");
        }
        for (byte x : piece) {
            current.feedAll(x & 0xFF, scratch);
            if (scratch.size == 0) {
                throw new IllegalStateException("token " + token + " does not continue the constrained output '" + text() + "'");
            }
            current.copyFrom(scratch);
        }
        text.write(piece, 0, piece.length);
        complete = current.canFinish() && !canContinue();
    }

    private boolean canContinue() {
        for (int x = 0; x < 256; x++) {
            current.feedAll(x, scratch);
            if (scratch.size > 0) {
                scratch.clear();
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean isComplete() {
        return complete || ended;
    }
}
