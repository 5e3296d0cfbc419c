package dev.caravel.template;

/**
 * Jinja2's default {@code Undefined}: what a missing variable, key or attribute evaluates to.
 * It prints as the empty string, is falsy, iterates as empty and has length 0, but any
 * attribute access, item access, arithmetic or call on it raises the error Jinja2 would raise.
 * It remembers how it was produced so that error can name the missing thing.
 */
public final class Undefined {

    private static final Object NO_OWNER = new Object();

    private final Object owner;
    private final Object name;
    private final String hint;
    private final TemplateException.Kind errorKind;

    private Undefined(Object owner, Object name, String hint, TemplateException.Kind errorKind) {
        this.owner = owner;
        this.name = name;
        this.hint = hint;
        this.errorKind = errorKind;
    }

    /** A variable that no scope defines. */
    static Undefined variable(String name) {
        return new Undefined(NO_OWNER, name, null, TemplateException.Kind.UNDEFINED);
    }

    /** A missing attribute or item {@code name} of {@code owner}. */
    static Undefined member(Object owner, Object name) {
        return new Undefined(owner, name, null, TemplateException.Kind.UNDEFINED);
    }

    /** An undefined value with a fixed explanation, e.g. "No first item, sequence was empty.". */
    static Undefined withHint(String hint) {
        return new Undefined(NO_OWNER, null, hint, TemplateException.Kind.UNDEFINED);
    }

    /** What the sandbox returns for an attribute it refuses to expose (e.g. {@code list.append}). */
    static Undefined unsafe(Object owner, String attribute) {
        String hint = "access to attribute " + PyValues.repr(attribute) + " of "
                + PyValues.repr(PyValues.typeName(owner)) + " object is unsafe.";
        return new Undefined(owner, attribute, hint, TemplateException.Kind.SECURITY);
    }

    /** The message Jinja2's Undefined._undefined_message produces. */
    public String message() {
        if (hint != null) {
            return hint;
        }
        if (owner == NO_OWNER) {
            return PyValues.repr(name) + " is undefined";
        }
        if (!(name instanceof String)) {
            return PyValues.objectTypeRepr(owner) + " has no element " + PyValues.repr(name);
        }
        return PyValues.repr(PyValues.objectTypeRepr(owner)) + " has no attribute " + PyValues.repr(name);
    }

    /** The exception any forbidden operation on this value raises. */
    TemplateException error() {
        return new TemplateException(errorKind, message());
    }

    @Override
    public String toString() {
        return "";
    }
}
