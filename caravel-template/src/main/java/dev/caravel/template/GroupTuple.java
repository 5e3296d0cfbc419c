package dev.caravel.template;

/**
 * One result of {@code |groupby}: a (grouper, list) pair that also answers {@code .grouper} and
 * {@code .list}, and prints as a plain tuple, like Jinja2's {@code _GroupTuple}.
 */
final class GroupTuple extends PyTuple {

    GroupTuple(Object grouper, Object list) {
        super(grouper, list);
    }
}
