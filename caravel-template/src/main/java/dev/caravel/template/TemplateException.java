package dev.caravel.template;

/**
 * Every failure of template compilation or rendering: syntax errors, access to undefined values,
 * Python-style type errors, and errors a template raises itself through {@code raise_exception}.
 *
 * <p>The message mirrors what Python Jinja2 would say for the same mistake, so a template that fails
 * under Hugging Face transformers fails here with a recognisable text. {@link #kind()} names the
 * Python exception class Jinja2 would have raised.
 */
public class TemplateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The Python exception class Jinja2 raises for the same failure. */
    public enum Kind {
        SYNTAX("TemplateSyntaxError"),
        ASSERTION("TemplateAssertionError"),
        UNDEFINED("UndefinedError"),
        RAISED("TemplateError"),
        RUNTIME("TemplateRuntimeError"),
        SECURITY("SecurityError"),
        TYPE("TypeError"),
        VALUE("ValueError"),
        ZERO_DIVISION("ZeroDivisionError"),
        OVERFLOW("OverflowError"),
        RECURSION("RecursionError"),
        INDEX("IndexError"),
        KEY("KeyError"),
        FILTER_ARGUMENT("FilterArgumentError");

        private final String pythonName;

        Kind(String pythonName) {
            this.pythonName = pythonName;
        }

        /** The class name Python prints in a traceback, e.g. {@code UndefinedError}. */
        public String pythonName() {
            return pythonName;
        }
    }

    private final Kind kind;
    private final int line;

    public TemplateException(Kind kind, String message) {
        this(kind, message, 0);
    }

    public TemplateException(Kind kind, String message, int line) {
        super(message);
        this.kind = kind;
        this.line = line;
    }

    public Kind kind() {
        return kind;
    }

    /** One-based template line of the failure, or 0 where it is not known. */
    public int line() {
        return line;
    }

    /** The failure as Python prints its last traceback line: {@code "UndefinedError: 'x' is undefined"}. */
    public String pythonStyle() {
        return kind.pythonName() + ": " + getMessage();
    }

    static TemplateException type(String message) {
        return new TemplateException(Kind.TYPE, message);
    }

    static TemplateException value(String message) {
        return new TemplateException(Kind.VALUE, message);
    }
}
