package aegis.governance;

import aegis.config.ApprovalSettings;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The approval rules: which stages a task waits at (its project's {@code approval}, and
 * {@code before_run} for a task tagged {@code aegis:approve}), whose comment decides, how long a
 * wait may last.
 */
@Singleton
public final class ApprovalPolicy {
    private final ApprovalSettings settings;

    public ApprovalPolicy(ApprovalSettings settings) {
        this.settings = settings;
    }

    /** The stages a task of {@code projectGid} with {@code tags} waits at; empty for none. */
    public Set<ApprovalStage> stagesFor(String projectGid, List<String> tags) {
        EnumSet<ApprovalStage> out = EnumSet.noneOf(ApprovalStage.class);
        switch (settings.forProject(projectGid).mode()) {
            case BEFORE_RUN -> out.add(ApprovalStage.BEFORE_RUN);
            case BEFORE_FINISH -> out.add(ApprovalStage.BEFORE_FINISH);
            case NONE -> {
            }
        }
        if (tags != null && tags.stream().anyMatch(t -> t != null
                && t.trim().toLowerCase(Locale.ROOT).equals(ApprovalSettings.APPROVE_TAG))) {
            out.add(ApprovalStage.BEFORE_RUN);
        }
        return out;
    }

    public Duration timeoutFor(String projectGid) {
        return settings.forProject(projectGid).timeout();
    }

    /** The approvers of a project, as the request names them; empty for anyone but the bot. */
    public List<String> approvers(String projectGid) {
        return settings.forProject(projectGid).approvers();
    }

    /** What {@code text}, commented by {@code authorGid}, does to a waiting approval in {@code projectGid}. */
    public Verdict judge(String projectGid, String authorGid, String botGid, String text) {
        if (authorGid == null || authorGid.equals(botGid)) {
            return new Verdict.NotAnApprover();
        }
        List<String> approvers = settings.forProject(projectGid).approvers();
        ApprovalReply reply = ApprovalReply.parse(text);
        if (reply instanceof ApprovalReply.Other) {
            return new Verdict.FollowUp();
        }
        if (!approvers.isEmpty() && !approvers.contains(authorGid)) {
            return new Verdict.NotAnApprover();
        }
        return reply instanceof ApprovalReply.Reject r ? new Verdict.Reject(r.comment()) : new Verdict.Approve();
    }

    /** A comment's effect on a waiting approval. */
    public sealed interface Verdict {
        record Approve() implements Verdict {
        }

        record Reject(String comment) implements Verdict {
        }

        /** Approve or reject from someone who may not decide: it decides nothing. */
        record NotAnApprover() implements Verdict {
        }

        /** Neither approve nor reject: part of the thread the run sees, deciding nothing. */
        record FollowUp() implements Verdict {
        }
    }
}
