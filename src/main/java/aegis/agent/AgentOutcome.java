package aegis.agent;

/** What an agent run came to. Every outcome carries what the run cost, where known. */
public sealed interface AgentOutcome {
    Usage usage();

    /** Captured output, capped, for the execution record (may be empty). */
    String outputExcerpt();

    /** Process exit status, for command agents. */
    Integer exitCode();

    /** The work is done; {@code result} is what to tell the person. */
    record Done(String result, Usage usage, String outputExcerpt, Integer exitCode) implements AgentOutcome {
    }

    /** The agent needs a person to answer {@code question} first. */
    record Question(String question, Usage usage, String outputExcerpt, Integer exitCode) implements AgentOutcome {
    }

    /** The run failed; transient failures may be retried, permanent ones are not. */
    record Failed(boolean transientFailure, String reason, Usage usage, String outputExcerpt, Integer exitCode)
            implements AgentOutcome {
    }
}
