package dev.caravel.template;

import java.time.Clock;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A template environment: lexer settings, globals, filters and tests. The default configuration
 * ({@link #huggingFace()}) matches how Hugging Face transformers renders chat templates:
 * {@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} with loop controls,
 * a {@code tojson} that does not escape HTML or sort keys, and the globals
 * {@code raise_exception} and {@code strftime_now}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Jinja {

    private final boolean trimBlocks;
    private final boolean lstripBlocks;
    private final boolean mutableCollections;
    private final Map<String, Object> globals;
    private final Map<String, FilterFunction> filters;
    private final Map<String, TestFunction> tests;

    private Jinja(Builder b) {
        this.trimBlocks = b.trimBlocks;
        this.lstripBlocks = b.lstripBlocks;
        this.mutableCollections = b.mutableCollections;
        Clock clock = b.clock;
        Map<String, Object> g = new HashMap<>(Globals.standard(() -> LocalDateTime.now(clock)));
        b.globals.forEach((k, v) -> g.put(k, TemplateValues.fromJson(v)));
        this.globals = Map.copyOf(g);
        Map<String, FilterFunction> f = Filters.builtins();
        f.putAll(b.filters);
        this.filters = Map.copyOf(f);
        Map<String, TestFunction> t = Tests.builtins();
        t.putAll(b.tests);
        this.tests = Map.copyOf(t);
    }

    /** The Hugging Face chat-template environment with the system clock. */
    public static Jinja huggingFace() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Parses {@code source}.
     *
     * @throws TemplateException for syntax errors, and for unknown filters or tests outside
     *     conditional code (inside {@code if} branches and inline ifs they fail only when reached,
     *     as in Jinja2)
     */
    public Template compile(String source) {
        Objects.requireNonNull(source, "source");
        List<Token> tokens = Lexer.tokenize(source, trimBlocks, lstripBlocks);
        try {
            List<Node> body = new Parser(tokens).parseTemplate();
            UnknownNameCheck.verify(body, filters::containsKey, tests::containsKey);
            return new Template(this, body);
        } catch (StackOverflowError e) {
            throw new TemplateException(TemplateException.Kind.SYNTAX, "template nesting is too deep");
        }
    }

    Map<String, Object> globals() {
        return globals;
    }

    boolean mutableCollections() {
        return mutableCollections;
    }

    FilterFunction filterNamed(String name) {
        return filters.get(name);
    }

    TestFunction testNamed(String name) {
        return tests.get(name);
    }

    /** Configures a {@link Jinja}; every setting defaults to the Hugging Face behaviour. */
    public static final class Builder {
        private boolean trimBlocks = true;
        private boolean lstripBlocks = true;
        private boolean mutableCollections;
        private Clock clock = Clock.systemDefaultZone();
        private final Map<String, Object> globals = new HashMap<>();
        private final Map<String, FilterFunction> filters = new HashMap<>();
        private final Map<String, TestFunction> tests = new HashMap<>();

        private Builder() {
        }

        /** Remove the first newline after a block tag (default true). */
        public Builder trimBlocks(boolean on) {
            this.trimBlocks = on;
            return this;
        }

        /** Strip spaces and tabs from a line start up to a block tag (default true). */
        public Builder lstripBlocks(boolean on) {
            this.lstripBlocks = on;
            return this;
        }

        /**
         * Allow {@code list.append}, {@code dict.update} and the other mutating methods (default
         * false: like Hugging Face's immutable sandbox, such calls fail with a SecurityError).
         */
        public Builder mutableCollections(boolean on) {
            this.mutableCollections = on;
            return this;
        }

        /** The clock behind {@code strftime_now}; its zone decides the local date. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Adds or replaces a global variable or function ({@link JinjaFunction}). */
        public Builder global(String name, Object value) {
            globals.put(name, value);
            return this;
        }

        /** Adds or replaces a filter; the filtered value arrives as the first positional argument. */
        public Builder filter(String name, JinjaFunction function) {
            filters.put(name, (ev, value, args) -> {
                List<Object> all = new java.util.ArrayList<>();
                all.add(value);
                all.addAll(args.positional);
                return TemplateValues.fromJson(function.call(all, args.keywords));
            });
            return this;
        }

        /** Adds or replaces a test; the tested value arrives first, the result's truthiness counts. */
        public Builder test(String name, JinjaFunction function) {
            tests.put(name, (ev, value, args) -> {
                List<Object> all = new java.util.ArrayList<>();
                all.add(value);
                all.addAll(args.positional);
                return PyValues.truthy(function.call(all, args.keywords));
            });
            return this;
        }

        public Jinja build() {
            return new Jinja(this);
        }
    }
}
