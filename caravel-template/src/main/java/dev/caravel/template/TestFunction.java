package dev.caravel.template;

/** A test implementation: {@code value is name(args)}. */
@FunctionalInterface
interface TestFunction {

    boolean test(Evaluator evaluator, Object value, Args args);
}
