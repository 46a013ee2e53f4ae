package aegis.dispatch;

/**
 * How one run in a worker ended: {@code how} counts attempts, {@code next} is the slot's next
 * execution when the ending statement claimed one ({@code askedNext}: it asked), and
 * {@code rowDone} says the worker's {@code agents} row was brought up to date by that statement.
 * What the run used is its {@link Run#usage()}.
 */
record Ended(How how, Claimed next, boolean askedNext, boolean rowDone) {
    /** {@code AWAITING}: parked until a person approves; not an attempt's end. */
    enum How { COMPLETED, FAILED, RETRY, CANCELLED, RELEASED, ERROR, AWAITING }

    static Ended as(How how) {
        return new Ended(how, null, false, false);
    }

    /** The same ending, counted as {@code other}. */
    Ended withHow(How other) {
        return new Ended(other, next, askedNext, rowDone);
    }
}
