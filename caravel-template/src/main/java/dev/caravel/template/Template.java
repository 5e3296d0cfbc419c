package dev.caravel.template;

import java.util.List;
import java.util.Map;

/**
 * A compiled template. Immutable and safe to render from several threads at once; every
 * {@link #render} call works on its own state.
 */
public final class Template {

    private final Jinja env;
    private final List<Node> body;

    Template(Jinja env, List<Node> body) {
        this.env = env;
        this.body = body;
    }

    /**
     * Renders with the given variables. Values must be template values: null, Boolean, Number,
     * String, List, Map (see {@link TemplateValues#fromJson} to convert parsed JSON); other Java
     * objects are treated as opaque.
     *
     * @throws TemplateException on undefined access, type errors, or {@code raise_exception(...)}
     */
    public String render(Map<String, ?> variables) {
        Map<String, Object> context = TemplateValues.fromJsonObject(variables);
        try {
            return new Renderer(env, context).render(body);
        } catch (StackOverflowError e) {
            // Runaway recursion (deeply nested data or macros) must surface as a template error,
            // not kill the calling thread.
            throw new TemplateException(TemplateException.Kind.RECURSION,
                    "maximum recursion depth exceeded while calling a Python object");
        }
    }
}
