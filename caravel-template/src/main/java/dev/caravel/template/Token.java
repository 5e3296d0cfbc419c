package dev.caravel.template;

/**
 * One lexical token. {@code value} carries the decoded literal for strings and numbers and the
 * raw text otherwise; {@code line} is one-based, for error messages.
 */
record Token(Kind kind, String text, Object value, int line) {

    enum Kind {
        DATA, VARIABLE_BEGIN, VARIABLE_END, BLOCK_BEGIN, BLOCK_END,
        NAME, STRING, INTEGER, FLOAT, OPERATOR, EOF
    }

    boolean is(Kind k) {
        return kind == k;
    }

    /** True for the name token {@code word} (Jinja keywords are plain names). */
    boolean isName(String word) {
        return kind == Kind.NAME && text.equals(word);
    }

    boolean isOperator(String op) {
        return kind == Kind.OPERATOR && text.equals(op);
    }

    /** How Jinja2 describes a token in "expected X, got Y" messages. */
    String describe() {
        return switch (kind) {
            case EOF -> "end of template";
            case VARIABLE_END -> "end of print statement";
            case BLOCK_END -> "end of statement block";
            case VARIABLE_BEGIN -> "begin of print statement";
            case BLOCK_BEGIN -> "begin of statement block";
            case DATA -> "template data / text";
            default -> text;
        };
    }
}
