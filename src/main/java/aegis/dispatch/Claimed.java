package aegis.dispatch;

/** A claimed execution and when its lease began (nanoTime taken before the claim was asked). */
record Claimed(Execution execution, long leaseFrom) {
}
