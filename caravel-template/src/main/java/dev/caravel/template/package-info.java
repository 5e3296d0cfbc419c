/**
 * A Jinja2 interpreter that renders Hugging Face chat templates byte-for-byte like Python
 * Jinja2 3.1 in transformers' environment ({@code ImmutableSandboxedEnvironment} with
 * {@code trim_blocks}, {@code lstrip_blocks}, loop controls, {@code raise_exception},
 * {@code strftime_now} and a {@code tojson} without HTML escaping).
 *
 * <h2>Entry points</h2>
 * <ul>
 *   <li>{@link dev.caravel.template.ChatTemplate}: compile a model's chat template and render
 *       {@code messages} (plus {@code add_generation_prompt}, special tokens, tools, ...).</li>
 *   <li>{@link dev.caravel.template.Jinja}: the environment; configure the clock, extra globals,
 *       filters and tests, or allow collection mutation, then {@link
 *       dev.caravel.template.Jinja#compile compile} to a {@link dev.caravel.template.Template}.</li>
 *   <li>{@link dev.caravel.template.TemplateValues}: converts JSON parsed into Java
 *       Map/List/String/Number/Boolean/null into template values.</li>
 *   <li>{@link dev.caravel.template.TemplateException}: every failure, with Jinja2's message and
 *       the Python exception class in {@link dev.caravel.template.TemplateException#kind()}.</li>
 * </ul>
 *
 * <h2>Value model</h2>
 * None is {@code null}; bool, int and float are {@link java.lang.Boolean}, {@link java.lang.Long}
 * (or {@link java.math.BigInteger}) and {@link java.lang.Double}; str is {@link java.lang.String};
 * list and dict are {@link java.util.List} and insertion-ordered {@link java.util.Map}. Printing
 * follows Python's {@code str()}/{@code repr()}, so {@code {{ [1.0, none] }}} renders
 * {@code [1.0, None]}. Missing variables, keys and attributes are Jinja2's lenient
 * {@link dev.caravel.template.Undefined}: empty when printed, an error when used further.
 *
 * <p>Compiled templates and environments are immutable and may be shared between threads.
 */
package dev.caravel.template;
