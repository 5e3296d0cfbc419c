package dev.caravel.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser for Jinja2 expressions with Jinja2's precedence, which differs from
 * Python's in places templates depend on: filters bind tighter than any operator,
 * {@code ~} binds tighter than {@code +}, and unary minus applies before filters
 * ({@code -1|abs} is {@code abs(-1)}).
 *
 * <pre>
 * condexpr := or ("if" or ("else" condexpr)?)*
 * or := and ("or" and)*          and := not ("and" not)*        not := "not" not | compare
 * compare := math1 (cmpop math1)*                                math1 := concat (("+"|"-") concat)*
 * concat := math2 ("~" math2)*   math2 := pow (("*"|"/"|"//"|"%") pow)*
 * pow := unary ("**" unary)*     unary := ("-"|"+") unary-without-filters | primary; then postfix, filters/tests
 * </pre>
 */
class ExpressionParser {

    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", "<=", ">", ">=");

    protected final List<Token> tokens;
    protected int index;

    ExpressionParser(List<Token> tokens) {
        this.tokens = tokens;
    }

    // ---- token stream -------------------------------------------------------------------------

    protected Token current() {
        return tokens.get(index);
    }

    protected Token peek() {
        return tokens.get(Math.min(index + 1, tokens.size() - 1));
    }

    protected Token advance() {
        Token t = tokens.get(index);
        if (index < tokens.size() - 1) {
            index++;
        }
        return t;
    }

    protected boolean skipOperator(String op) {
        if (current().isOperator(op)) {
            advance();
            return true;
        }
        return false;
    }

    protected boolean skipName(String name) {
        if (current().isName(name)) {
            advance();
            return true;
        }
        return false;
    }

    protected TemplateException fail(String message, int line) {
        return new TemplateException(TemplateException.Kind.SYNTAX, message, line);
    }

    protected TemplateException fail(String message) {
        return fail(message, current().line());
    }

    /** Jinja2's TokenStream.expect message for a mismatched token. */
    protected TemplateException unexpected(String expected) {
        Token t = current();
        if (t.is(Token.Kind.EOF)) {
            return fail("unexpected end of template, expected '" + expected + "'.");
        }
        return fail("expected token '" + expected + "', got '" + t.describe() + "'");
    }

    protected Token expectOperator(String op) {
        if (!current().isOperator(op)) {
            throw unexpected(op);
        }
        return advance();
    }

    protected Token expectName() {
        if (!current().is(Token.Kind.NAME)) {
            throw unexpected("name");
        }
        return advance();
    }

    protected void expectName(String word) {
        if (!current().isName(word)) {
            throw unexpected(word);
        }
        advance();
    }

    protected void expect(Token.Kind kind, String description) {
        if (!current().is(kind)) {
            throw unexpected(description);
        }
        advance();
    }

    // ---- expressions --------------------------------------------------------------------------

    Expr parseExpression(boolean withCondition) {
        return withCondition ? parseConditional() : parseOr();
    }

    Expr parseExpression() {
        return parseConditional();
    }

    private Expr parseConditional() {
        Expr expr = parseOr();
        while (skipName("if")) {
            Expr test = parseOr();
            Expr otherwise = skipName("else") ? parseConditional() : null;
            expr = new Expr.Conditional(test, expr, otherwise);
        }
        return expr;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (skipName("or")) {
            left = new Expr.Or(left, parseAnd());
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (skipName("and")) {
            left = new Expr.And(left, parseNot());
        }
        return left;
    }

    private Expr parseNot() {
        if (skipName("not")) {
            return new Expr.Not(parseNot());
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        int line = current().line();
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> operands = new ArrayList<>();
        while (true) {
            Token t = current();
            if (t.is(Token.Kind.OPERATOR) && COMPARE_OPS.contains(t.text())) {
                advance();
                ops.add(t.text());
            } else if (t.isName("in")) {
                advance();
                ops.add("in");
            } else if (t.isName("not") && peek().isName("in")) {
                advance();
                advance();
                ops.add("notin");
            } else {
                break;
            }
            operands.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, operands, line);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (current().isOperator("+") || current().isOperator("-")) {
            Token op = advance();
            left = new Expr.Binary(op.text(), left, parseConcat(), op.line());
        }
        return left;
    }

    private Expr parseConcat() {
        Expr first = parseMath2();
        if (!current().isOperator("~")) {
            return first;
        }
        List<Expr> parts = new ArrayList<>();
        parts.add(first);
        while (skipOperator("~")) {
            parts.add(parseMath2());
        }
        return new Expr.Concat(parts);
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (current().isOperator("*") || current().isOperator("/")
                || current().isOperator("//") || current().isOperator("%")) {
            Token op = advance();
            left = new Expr.Binary(op.text(), left, parsePow(), op.line());
        }
        return left;
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (current().isOperator("**")) {
            Token op = advance();
            left = new Expr.Binary("**", left, parseUnary(true), op.line());
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Token t = current();
        Expr node;
        if (t.isOperator("-") || t.isOperator("+")) {
            advance();
            node = new Expr.Unary(t.text(), parseUnary(false), t.line());
        } else {
            node = parsePrimary();
        }
        node = parsePostfix(node);
        if (withFilter) {
            node = parseFilterExpr(node);
        }
        return node;
    }

    protected Expr parsePrimary() {
        Token t = current();
        switch (t.kind()) {
            case NAME -> {
                advance();
                return switch (t.text()) {
                    case "true", "True" -> new Expr.Literal(Boolean.TRUE);
                    case "false", "False" -> new Expr.Literal(Boolean.FALSE);
                    case "none", "None" -> new Expr.Literal(null);
                    default -> new Expr.Name(t.text(), t.line());
                };
            }
            case STRING -> {
                StringBuilder joined = new StringBuilder();
                while (current().is(Token.Kind.STRING)) {
                    joined.append((String) advance().value());
                }
                return new Expr.Literal(joined.toString());
            }
            case INTEGER, FLOAT -> {
                advance();
                return new Expr.Literal(t.value());
            }
            case OPERATOR -> {
                if (t.text().equals("(")) {
                    advance();
                    Expr inner = parseTuple(false, true, null, true);
                    expectOperator(")");
                    return inner;
                }
                if (t.text().equals("[")) {
                    return parseList();
                }
                if (t.text().equals("{")) {
                    return parseDict();
                }
            }
            default -> {
            }
        }
        if (t.is(Token.Kind.EOF)) {
            throw fail("unexpected end of template");
        }
        throw fail("unexpected '" + t.describe() + "'");
    }

    /** A comma-separated expression list; a single item without a comma is returned unwrapped. */
    protected Expr parseTuple(boolean simplified, boolean withCondition, Set<String> extraEndNames,
                              boolean explicitParentheses) {
        List<Expr> items = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!items.isEmpty()) {
                expectOperator(",");
            }
            if (isTupleEnd(extraEndNames)) {
                break;
            }
            items.add(simplified ? parsePrimary() : parseExpression(withCondition));
            if (current().isOperator(",")) {
                isTuple = true;
            } else {
                break;
            }
        }
        if (!isTuple) {
            if (!items.isEmpty()) {
                return items.getFirst();
            }
            if (!explicitParentheses) {
                throw fail("Expected an expression, got '" + current().describe() + "'");
            }
        }
        return new Expr.TupleLiteral(List.copyOf(items));
    }

    protected Expr parseTuple() {
        return parseTuple(false, true, null, false);
    }

    private boolean isTupleEnd(Set<String> extraEndNames) {
        Token t = current();
        if (t.is(Token.Kind.VARIABLE_END) || t.is(Token.Kind.BLOCK_END) || t.isOperator(")")) {
            return true;
        }
        return extraEndNames != null && t.is(Token.Kind.NAME) && extraEndNames.contains(t.text());
    }

    private Expr parseList() {
        expectOperator("[");
        List<Expr> items = new ArrayList<>();
        while (!current().isOperator("]")) {
            if (!items.isEmpty()) {
                expectOperator(",");
            }
            if (current().isOperator("]")) {
                break;
            }
            items.add(parseExpression());
        }
        expectOperator("]");
        return new Expr.ListLiteral(List.copyOf(items));
    }

    private Expr parseDict() {
        expectOperator("{");
        List<Expr> keys = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!current().isOperator("}")) {
            if (!keys.isEmpty()) {
                expectOperator(",");
            }
            if (current().isOperator("}")) {
                break;
            }
            keys.add(parseExpression());
            expectOperator(":");
            values.add(parseExpression());
        }
        expectOperator("}");
        return new Expr.DictLiteral(List.copyOf(keys), List.copyOf(values));
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            Token t = current();
            if (t.isOperator(".") || t.isOperator("[")) {
                node = parseSubscript(node);
            } else if (t.isOperator("(")) {
                node = new Expr.Call(node, parseCallArgs(), t.line());
            } else {
                return node;
            }
        }
    }

    private Expr parseFilterExpr(Expr node) {
        while (true) {
            Token t = current();
            if (t.isOperator("|")) {
                node = parseFilter(node, false);
            } else if (t.isName("is")) {
                node = parseTest(node);
            } else if (t.isOperator("(")) {
                node = new Expr.Call(node, parseCallArgs(), t.line());
            } else {
                return node;
            }
        }
    }

    private Expr parseSubscript(Expr node) {
        Token t = advance();
        if (t.isOperator(".")) {
            Token attr = advance();
            if (attr.is(Token.Kind.NAME)) {
                return new Expr.GetAttr(node, attr.text(), t.line());
            }
            if (!attr.is(Token.Kind.INTEGER)) {
                throw fail("expected name or number", attr.line());
            }
            return new Expr.GetItem(node, new Expr.Literal(attr.value()), t.line());
        }
        List<Expr> args = new ArrayList<>();
        while (!current().isOperator("]")) {
            if (!args.isEmpty()) {
                expectOperator(",");
            }
            args.add(parseSubscribed());
        }
        expectOperator("]");
        Expr key = args.size() == 1 ? args.getFirst() : new Expr.TupleLiteral(List.copyOf(args));
        return new Expr.GetItem(node, key, t.line());
    }

    private Expr parseSubscribed() {
        Expr start = null;
        if (current().isOperator(":")) {
            advance();
        } else {
            Expr node = parseExpression();
            if (!current().isOperator(":")) {
                return node;
            }
            advance();
            start = node;
        }
        Expr stop = null;
        if (!current().isOperator(":") && !current().isOperator("]") && !current().isOperator(",")) {
            stop = parseExpression();
        }
        Expr step = null;
        if (current().isOperator(":")) {
            advance();
            if (!current().isOperator("]") && !current().isOperator(",")) {
                step = parseExpression();
            }
        }
        return new Expr.SliceExpr(start, stop, step);
    }

    protected Expr.Arguments parseCallArgs() {
        expectOperator("(");
        List<Expr> positional = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        Expr spreadArgs = null;
        Expr spreadKwargs = null;
        boolean requireComma = false;
        while (!current().isOperator(")")) {
            if (requireComma) {
                expectOperator(",");
                if (current().isOperator(")")) {
                    break;
                }
            }
            if (current().isOperator("*")) {
                advance();
                spreadArgs = parseExpression();
            } else if (current().isOperator("**")) {
                advance();
                spreadKwargs = parseExpression();
            } else if (current().is(Token.Kind.NAME) && peek().isOperator("=")) {
                names.add(advance().text());
                advance();
                values.add(parseExpression());
            } else {
                if (!names.isEmpty() || spreadArgs != null || spreadKwargs != null) {
                    throw fail("invalid syntax for function call expression");
                }
                positional.add(parseExpression());
            }
            requireComma = true;
        }
        expectOperator(")");
        return new Expr.Arguments(List.copyOf(positional), List.copyOf(names), List.copyOf(values),
                spreadArgs, spreadKwargs);
    }

    /** Parses {@code |name(args)|name2...}; with {@code startInline} the first pipe is implied. */
    protected Expr parseFilter(Expr node, boolean startInline) {
        while (current().isOperator("|") || startInline) {
            if (!startInline) {
                advance();
            }
            Token nameToken = expectName();
            String name = dottedName(nameToken.text());
            Expr.Arguments args = current().isOperator("(") ? parseCallArgs() : Expr.Arguments.NONE;
            node = new Expr.Filter(node, name, args, nameToken.line());
            startInline = false;
        }
        return node;
    }

    private String dottedName(String first) {
        StringBuilder name = new StringBuilder(first);
        while (current().isOperator(".")) {
            advance();
            name.append('.').append(expectName().text());
        }
        return name.toString();
    }

    private Expr parseTest(Expr node) {
        Token isToken = advance();
        boolean negated = skipName("not");
        Token nameToken = expectName();
        String name = dottedName(nameToken.text());
        Expr.Arguments args;
        Token t = current();
        if (t.isOperator("(")) {
            args = parseCallArgs();
        } else if ((t.is(Token.Kind.NAME) || t.is(Token.Kind.STRING) || t.is(Token.Kind.INTEGER)
                || t.is(Token.Kind.FLOAT) || t.isOperator("[") || t.isOperator("{"))
                && !t.isName("else") && !t.isName("or") && !t.isName("and")) {
            if (t.isName("is")) {
                throw fail("You cannot chain multiple tests with is");
            }
            Expr arg = parsePostfix(parsePrimary());
            args = new Expr.Arguments(List.of(arg), List.of(), List.of(), null, null);
        } else {
            args = Expr.Arguments.NONE;
        }
        Expr test = new Expr.Test(node, name, args, isToken.line());
        return negated ? new Expr.Not(test) : test;
    }
}
