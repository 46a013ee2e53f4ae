package aegis.dispatch;

import aegis.agent.Usage;

/**
 * How one run in a worker ended: {@code how} counts attempts, {@code next} is the slot's next
 * execution when the ending statement claimed one ({@code askedNext}: it asked), and
 * {@code rowDone} says the worker's {@code agents} row was brought up to date by that statement.
 */
record Ended(How how, Usage usage, Claimed next, boolean askedNext, boolean rowDone) {
    enum How { COMPLETED, FAILED, RETRY, CANCELLED, RELEASED, ERROR }

    static Ended as(How how) {
        return new Ended(how, Usage.NONE, null, false, false);
    }

    Ended withUsage(Usage u) {
        return new Ended(how, u, next, askedNext, rowDone);
    }
}
