package dev.caravel.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Parses the token stream into statements. Supported tags: {@code if/elif/else}, {@code for}
 * (with {@code if} filter, {@code else}, {@code recursive}), {@code set} (incl. block form and
 * namespace attributes), {@code macro}, {@code call}, {@code filter}, {@code with}, {@code print},
 * {@code break}/{@code continue} and {@code generation} (transparent; Hugging Face uses it to mark
 * assistant tokens). {@code raw} is handled by the lexer.
 */
final class Parser extends ExpressionParser {

    private static final Set<String> IN = Set.of("in");
    private static final Set<String> RECURSIVE = Set.of("recursive");

    /** Tags currently open, innermost last, for Jinja2-style "unexpected end" messages. */
    private final List<String> tagStack = new ArrayList<>();
    private final List<List<String>> endTokenStack = new ArrayList<>();
    private int loopDepth;

    Parser(List<Token> tokens) {
        super(tokens);
    }

    List<Node> parseTemplate() {
        List<Node> body = subparse(null);
        if (!current().is(Token.Kind.EOF)) {
            throw fail("unexpected '" + current().describe() + "'");
        }
        return body;
    }

    /** Parses nodes until one of {@code endTags} opens a block; leaves that name current. */
    private List<Node> subparse(List<String> endTags) {
        List<Node> body = new ArrayList<>();
        while (!current().is(Token.Kind.EOF)) {
            Token t = current();
            switch (t.kind()) {
                case DATA -> {
                    advance();
                    body.add(new Node.Text(t.text()));
                }
                case VARIABLE_BEGIN -> {
                    advance();
                    Expr expr = parseTuple();
                    body.add(new Node.Print(expr, t.line()));
                    expect(Token.Kind.VARIABLE_END, "end of print statement");
                }
                case BLOCK_BEGIN -> {
                    advance();
                    if (endTags != null && current().is(Token.Kind.NAME) && endTags.contains(current().text())) {
                        return body;
                    }
                    body.addAll(parseStatement());
                    expect(Token.Kind.BLOCK_END, "end of statement block");
                }
                default -> throw fail("unexpected '" + t.describe() + "'");
            }
        }
        return body;
    }

    /** Parses a statement body up to one of {@code endTags}; the matched end tag stays current. */
    private List<Node> parseBody(List<String> endTags) {
        if (current().isOperator(":")) {
            advance();
        }
        expect(Token.Kind.BLOCK_END, "end of statement block");
        endTokenStack.add(endTags);
        List<Node> body = subparse(endTags);
        endTokenStack.removeLast();
        if (current().is(Token.Kind.EOF)) {
            throw failUnexpectedEnd(null, endTags);
        }
        return body;
    }

    /** Parses a body and consumes its single end tag (e.g. endmacro). */
    private List<Node> parseBodyThrough(String endTag) {
        List<Node> body = parseBody(List.of(endTag));
        advance();
        return body;
    }

    private List<Node> parseStatement() {
        Token t = current();
        if (!t.is(Token.Kind.NAME)) {
            throw fail("tag name expected");
        }
        tagStack.add(t.text());
        try {
            return switch (t.text()) {
                case "if" -> List.of(parseIf());
                case "for" -> List.of(parseFor());
                case "set" -> List.of(parseSet());
                case "macro" -> List.of(parseMacro());
                case "call" -> List.of(parseCallBlock());
                case "filter" -> List.of(parseFilterBlock());
                case "with" -> List.of(parseWith());
                case "print" -> parsePrint();
                case "break", "continue" -> List.of(parseLoopControl());
                case "generation" -> {
                    advance();
                    yield parseBodyThrough("endgeneration");
                }
                default -> {
                    tagStack.removeLast();
                    tagStack.add(null);
                    throw failUnexpectedEnd(t.text(), null);
                }
            };
        } finally {
            tagStack.removeLast();
        }
    }

    /** Jinja2's _fail_ut_eof message for unknown tags and unclosed blocks. */
    private TemplateException failUnexpectedEnd(String unknownTag, List<String> extraEnd) {
        List<List<String>> stack = new ArrayList<>(endTokenStack);
        if (extraEnd != null) {
            stack.add(extraEnd);
        }
        StringBuilder message = new StringBuilder(unknownTag == null
                ? "Unexpected end of template."
                : "Encountered unknown tag " + PyValues.repr(unknownTag) + ".");
        if (!stack.isEmpty()) {
            List<String> looking = stack.getLast();
            String currently = String.join(" or ", looking.stream().map(PyValues::repr).toList());
            boolean expected = unknownTag != null && stack.stream().anyMatch(l -> l.contains(unknownTag));
            if (unknownTag != null && expected) {
                message.append(" You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for ")
                        .append(currently).append('.');
            } else {
                message.append(" Jinja was looking for the following tags: ").append(currently).append('.');
            }
        }
        List<String> open = tagStack.stream().filter(s -> s != null).toList();
        if (!open.isEmpty()) {
            message.append(" The innermost block that needs to be closed is ")
                    .append(PyValues.repr(open.getLast())).append('.');
        }
        return fail(message.toString());
    }

    private Node parseIf() {
        advance();
        List<Node.Branch> branches = new ArrayList<>();
        List<Node> otherwise = List.of();
        while (true) {
            Expr test = parseTuple(false, false, null, false);
            List<Node> body = parseBody(List.of("elif", "else", "endif"));
            branches.add(new Node.Branch(test, body));
            Token end = advance();
            if (end.isName("elif")) {
                continue;
            }
            if (end.isName("else")) {
                otherwise = parseBodyThrough("endif");
            }
            break;
        }
        return new Node.If(List.copyOf(branches), otherwise);
    }

    private Node parseFor() {
        int line = advance().line();
        Node.Target target = parseAssignTarget(IN, false);
        expectName("in");
        Expr iterable = parseTuple(false, false, RECURSIVE, false);
        Expr filter = skipName("if") ? parseExpression() : null;
        boolean recursive = skipName("recursive");
        loopDepth++;
        List<Node> body;
        try {
            body = parseBody(List.of("endfor", "else"));
        } finally {
            loopDepth--;
        }
        List<Node> otherwise = List.of();
        if (advance().isName("else")) {
            otherwise = parseBodyThrough("endfor");
        }
        return new Node.For(target, iterable, filter, recursive, body, otherwise, line);
    }

    private Node parseSet() {
        int line = advance().line();
        Node.Target target = parseAssignTarget(null, true);
        if (skipOperator("=")) {
            return new Node.Set(target, parseTuple(), line);
        }
        Expr filter = current().isOperator("|") ? parseFilter(null, false) : null;
        List<Node> body = parseBodyThrough("endset");
        return new Node.SetBlock(target, filter, body, line);
    }

    private Node parseMacro() {
        int line = advance().line();
        String name = expectName().text();
        List<Node.Param> params = parseSignature();
        int savedLoops = loopDepth;
        loopDepth = 0;
        try {
            return new Node.MacroDef(name, params, parseBodyThrough("endmacro"), line);
        } finally {
            loopDepth = savedLoops;
        }
    }

    private List<Node.Param> parseSignature() {
        List<Node.Param> params = new ArrayList<>();
        expectOperator("(");
        boolean sawDefault = false;
        while (!current().isOperator(")")) {
            if (!params.isEmpty()) {
                expectOperator(",");
            }
            String name = expectName().text();
            Expr defaultValue = null;
            if (skipOperator("=")) {
                defaultValue = parseExpression();
                sawDefault = true;
            } else if (sawDefault) {
                throw fail("non-default argument follows default argument");
            }
            params.add(new Node.Param(name, defaultValue));
        }
        expectOperator(")");
        return List.copyOf(params);
    }

    private Node parseCallBlock() {
        int line = advance().line();
        List<Node.Param> params = current().isOperator("(") ? parseSignature() : List.of();
        Expr call = parseExpression();
        if (!(call instanceof Expr.Call c)) {
            throw fail("expected call", line);
        }
        int savedLoops = loopDepth;
        loopDepth = 0;
        try {
            return new Node.CallBlock(params, c, parseBodyThrough("endcall"), line);
        } finally {
            loopDepth = savedLoops;
        }
    }

    private Node parseFilterBlock() {
        advance();
        Expr filter = parseFilter(null, true);
        return new Node.FilterBlock(filter, parseBodyThrough("endfilter"));
    }

    private Node parseWith() {
        advance();
        List<Node.Target> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!current().is(Token.Kind.BLOCK_END)) {
            if (!targets.isEmpty()) {
                expectOperator(",");
            }
            targets.add(parseAssignTarget(null, false));
            expectOperator("=");
            values.add(parseExpression());
        }
        return new Node.With(List.copyOf(targets), List.copyOf(values), parseBodyThrough("endwith"));
    }

    private List<Node> parsePrint() {
        int line = advance().line();
        List<Node> prints = new ArrayList<>();
        while (!current().is(Token.Kind.BLOCK_END)) {
            if (!prints.isEmpty()) {
                expectOperator(",");
            }
            prints.add(new Node.Print(parseExpression(), line));
        }
        return prints;
    }

    private Node parseLoopControl() {
        Token t = advance();
        if (loopDepth == 0) {
            throw fail("'" + t.text() + "' outside loop", t.line());
        }
        return t.text().equals("break") ? new Node.Break() : new Node.Continue();
    }

    /** An assignment target: a name, {@code ns.attr} where allowed, or a tuple of targets. */
    private Node.Target parseAssignTarget(Set<String> extraEnd, boolean withNamespace) {
        Expr parsed = parseTargetTuple(extraEnd, withNamespace);
        return toTarget(parsed);
    }

    private Expr parseTargetTuple(Set<String> extraEnd, boolean withNamespace) {
        List<Expr> items = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!items.isEmpty()) {
                expectOperator(",");
            }
            Token t = current();
            if (t.is(Token.Kind.VARIABLE_END) || t.is(Token.Kind.BLOCK_END) || t.isOperator(")")
                    || (extraEnd != null && t.is(Token.Kind.NAME) && extraEnd.contains(t.text()))) {
                break;
            }
            if (withNamespace && t.is(Token.Kind.NAME) && peek().isOperator(".")) {
                advance();
                advance();
                items.add(new Expr.GetAttr(new Expr.Name(t.text(), t.line()), expectName().text(), t.line()));
            } else {
                items.add(parsePrimary());
            }
            if (current().isOperator(",")) {
                isTuple = true;
            } else {
                break;
            }
        }
        if (!isTuple) {
            if (items.isEmpty()) {
                throw fail("Expected an expression, got '" + current().describe() + "'");
            }
            return items.getFirst();
        }
        return new Expr.TupleLiteral(List.copyOf(items));
    }

    private Node.Target toTarget(Expr e) {
        return switch (e) {
            case Expr.Name n -> new Node.NameTarget(n.name());
            case Expr.GetAttr g when g.object() instanceof Expr.Name n -> new Node.AttributeTarget(n.name(), g.name());
            case Expr.TupleLiteral t -> new Node.TupleTarget(t.items().stream().map(this::toTarget).toList());
            case Expr.Literal l -> throw fail("can't assign to 'const'");
            default -> throw fail("can't assign to " + PyValues.repr(e.getClass().getSimpleName().toLowerCase()));
        };
    }
}
