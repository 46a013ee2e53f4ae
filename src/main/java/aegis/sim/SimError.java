package aegis.sim;

/** An Asana-style failure: the HTTP status and the message of {@code {"errors":[{"message":…}]}}. */
final class SimError extends RuntimeException {
    final int status;
    final Object extraSync;

    SimError(int status, String message) {
        this(status, message, null);
    }

    /** {@code sync} is set only for the 412 of /events, which carries a fresh sync token. */
    SimError(int status, String message, String sync) {
        super(message, null, false, false);
        this.status = status;
        this.extraSync = sync;
    }

    static SimError notFound(String what) {
        return new SimError(404, what + ": Unknown object: not found, or you do not have access to it");
    }

    static SimError badRequest(String message) {
        return new SimError(400, message);
    }
}
