package aegis.governance;

import aegis.config.Durations;
import java.time.Duration;
import java.util.List;

/** What the bot says in Asana about approvals: the requests and the replies to a decision. */
public final class ApprovalTexts {
    private static final int PROMPT_LINES = 5;
    private static final int PROMPT_LINE_MAX = 200;

    private ApprovalTexts() {
    }

    /** The marker ending the request for {@code stage} of execution {@code id}: never a substring of the answer's. */
    public static String marker(ApprovalStage stage, long id) {
        return "— Aegis · approval " + (stage == ApprovalStage.BEFORE_RUN ? "to start" : "to finish") + " run " + id;
    }

    /** Asks before the run: what is about to happen, and how to answer. */
    public static String beforeRun(String agentKind, String target, String prompt, String budget,
                                   List<String> approvers, Duration timeout) {
        StringBuilder sb = new StringBuilder("Approval needed before I start.\n\n")
                .append("Agent: ").append(agentKind).append('\n')
                .append("Works on: ").append(target).append('\n')
                .append("Budget left: ").append(budget).append("\n\nPrompt (first lines):\n");
        prompt.lines().filter(l -> !l.isBlank()).limit(PROMPT_LINES)
                .forEach(l -> sb.append("> ").append(l.length() > PROMPT_LINE_MAX
                        ? l.substring(0, PROMPT_LINE_MAX) + "…" : l).append('\n'));
        return sb.append('\n').append(howToAnswer(approvers, timeout, "start")).toString();
    }

    /** Asks before the answer is applied: the proposed answer, and how to answer. */
    public static String beforeFinish(String proposal, List<String> approvers, Duration timeout) {
        return "Proposed answer, waiting for approval before I finish the task:\n\n" + proposal.strip() + "\n\n"
                + howToAnswer(approvers, timeout, "complete the task")
                + "\nA rejection with a comment (\"reject: …\") makes me try again with it.";
    }

    private static String howToAnswer(List<String> approvers, Duration timeout, String what) {
        return "Comment \"approve\" to " + what + " or \"reject\" to cancel"
                + (approvers.isEmpty() ? "" : " (approvers: " + String.join(", ", approvers) + ")")
                + ". Without an answer within " + Durations.format(timeout) + " this is cancelled.";
    }

    /** The reply once an approval was refused ({@code status} rejected or expired). */
    public static String refused(ApprovalStage stage, String status, String reason, Duration timeout) {
        if ("expired".equals(status)) {
            return "No approval came within " + Durations.format(timeout) + ", so this is cancelled"
                    + (stage == ApprovalStage.BEFORE_FINISH ? " and the proposed answer is not applied" : "")
                    + ". Comment or assign the task to me again to ask once more.";
        }
        String why = reason == null || reason.isBlank() ? "" : " (" + reason.strip() + ")";
        return stage == ApprovalStage.BEFORE_RUN
                ? "Rejected" + why + ": I will not run this."
                : "Rejected" + why + ": the proposed answer is not applied and the task stays as it is.";
    }

    /** The final word after the proposed answer was approved. */
    public static String approvedFinish() {
        return "Approved: the proposed answer above stands.";
    }
}
