package dev.caravel.template;

/** A filter implementation: {@code value|name(args)}. */
@FunctionalInterface
interface FilterFunction {

    Object apply(Evaluator evaluator, Object value, Args args);
}
