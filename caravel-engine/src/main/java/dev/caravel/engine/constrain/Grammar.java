package dev.caravel.engine.constrain;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A compiled output grammar: a JSON schema, literal text, or a composition of them (a tool call is
 * literal text around a schema-constrained JSON value). Immutable once prepared and shareable across
 * generations and threads; {@link JsonSchemaConstraint#of} runs it over a tokenizer.
 */
public final class Grammar {
    final Node root;
    private boolean prepared;

    private Grammar(Node root) {
        this.root = root;
    }

    /**
     * A JSON value that validates against {@code schema} (parsed JSON: maps, lists, strings, numbers,
     * booleans, null).
     *
     * @throws IllegalArgumentException naming the keyword and place when the schema uses something not
     *                                  supported or allows no value
     */
    public static Grammar schema(Object schema) {
        return new Grammar(SchemaCompiler.compile(schema)).prepare();
    }

    /** Any JSON object (OpenAI's json_object response format). */
    public static Grammar anyObject() {
        return new Grammar(new ObjectNode(List.of(), List.of(), List.of(), SchemaCompiler.anyValue()));
    }

    /** Exactly this text (not empty). */
    public static Grammar literal(String text) {
        return new Grammar(LiteralNode.of(text));
    }

    /** One of these texts. */
    public static Grammar oneOfLiterals(List<String> texts) {
        return new Grammar(LiteralNode.of(texts.toArray(new String[0])));
    }

    /** The parts one after the other. */
    public static Grammar sequence(Grammar... parts) {
        List<Node> nodes = new ArrayList<>();
        for (Grammar g : parts) {
            nodes.add(g.root);
        }
        return new Grammar(new SeqNode(nodes));
    }

    /** Any one of the alternatives. */
    public static Grammar anyOf(List<Grammar> alternatives) {
        List<Node> nodes = new ArrayList<>();
        for (Grammar g : alternatives) {
            nodes.add(g.root);
        }
        return new Grammar(new AnyOfNode(nodes));
    }

    /** Computes every node's shortest completion (a fixpoint, for recursive schemas) and their tables, once. */
    synchronized Grammar prepare() {
        if (prepared) {
            return this;
        }
        List<Node> all = new ArrayList<>();
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Node> todo = new ArrayDeque<>();
        todo.add(root);
        seen.add(root);
        while (!todo.isEmpty()) {
            Node n = todo.poll();
            if (n.prepared) {
                continue; // part of a grammar prepared before: final, and so is everything below it
            }
            all.add(n);
            for (Node c : n.children()) {
                if (seen.add(c)) {
                    todo.add(c);
                }
            }
        }
        synchronized (Grammar.class) {
            boolean changed = true;
            while (changed) {
                changed = false;
                for (Node n : all) {
                    int m = n.computeMinLen();
                    if (m < n.minLen) {
                        n.minLen = m;
                        changed = true;
                    }
                }
            }
            for (Node n : all) {
                n.finish();
                n.prepared = true;
            }
        }
        if (root.minLen >= Node.INF) {
            throw new IllegalArgumentException("the schema allows no finite JSON value");
        }
        prepared = true;
        return this;
    }
}
