package aegis.dispatch;

import aegis.asana.BotIdentity;
import aegis.governance.ApprovalPolicy;
import aegis.governance.ApprovalStage;
import aegis.governance.ApprovalStore;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides waiting approvals from the mirror's comments: the first comment since the request that
 * an approver wrote starting with approve/yes/lgtm sends the execution back to the queue; one
 * starting with reject/no refuses it (the worker then posts the reply), and for a proposed answer
 * a rejection with a comment becomes a follow-up run that gets it. A wait past the project's
 * {@code approval_timeout} expires. Every decision is one guarded transition: an approval already
 * decided, or a comment seen twice, changes nothing.
 */
@Singleton
public class ApprovalDecisions {
    private static final Logger LOG = LoggerFactory.getLogger(ApprovalDecisions.class);
    private static final int BATCH = 200;

    private final ApprovalStore approvals;
    private final ApprovalPolicy policy;
    private final ExecutionStore store;
    private final Enqueuer enqueuer;
    private final BotIdentity bot;

    public ApprovalDecisions(ApprovalStore approvals, ApprovalPolicy policy, ExecutionStore store, Enqueuer enqueuer,
                             BotIdentity bot) {
        this.approvals = approvals;
        this.policy = policy;
        this.store = store;
        this.enqueuer = enqueuer;
        this.bot = bot;
    }

    /** Decides what can be decided of the waiting approvals of {@code taskId} (of every task when empty); returns how many. */
    public int decide(Optional<Long> taskId) {
        int n = 0;
        for (ApprovalStore.Waiting w : approvals.waiting(taskId, BATCH)) {
            try {
                if (decide(w, Instant.now())) {
                    n++;
                }
            } catch (RuntimeException e) {
                // Another instance decided it first with the same comment (its unique index), or the
                // database failed: the next comment or sweep looks again.
                LOG.warn("event=approval_decision_failed execution={} error={}", w.executionId(), e.getMessage());
            }
        }
        return n;
    }

    private boolean decide(ApprovalStore.Waiting w, Instant now) {
        String botGid = bot.gid();
        Long firstOther = null;
        for (ApprovalStore.Reply c : w.replies()) {
            ApprovalPolicy.Verdict v = policy.judge(w.projectGid(), c.authorGid(), botGid, c.text());
            if (v instanceof ApprovalPolicy.Verdict.Approve) {
                // An approved run reads the whole thread; an approved answer does not, so a comment
                // made meanwhile stays unseen and asks for a follow-up once the task is finished.
                long seen = w.stage() == ApprovalStage.BEFORE_FINISH && firstOther != null ? firstOther - 1 : c.commentId();
                return applied(w, "approved", c, store.leaveApproval(w.executionId(), false, seen,
                        approvals.decided(w.stage(), "approved", c.authorGid(), c.gid(), null)));
            }
            if (v instanceof ApprovalPolicy.Verdict.FollowUp && firstOther == null) {
                firstOther = c.commentId();
            }
            if (v instanceof ApprovalPolicy.Verdict.Reject r) {
                if (w.stage() == ApprovalStage.BEFORE_FINISH && !r.comment().isBlank()) {
                    Optional<Enqueuer.Prepared> next = enqueuer.prepare(w.taskId(), c.authorGid(), c.gid());
                    if (next.isPresent()) {
                        Optional<Long> id = store.rejectIntoFollowUp(w.executionId(), c.commentId(),
                                "the proposed answer was rejected: " + r.comment(), next.get().execution(),
                                approvals.decided(w.stage(), "rejected", c.authorGid(), c.gid(), r.comment()));
                        id.ifPresent(x -> enqueuer.enqueued(x, next.get()));
                        return applied(w, "rejected_into_follow_up", c, id.isPresent());
                    }
                }
                return applied(w, "rejected", c, store.leaveApproval(w.executionId(), true, c.commentId(),
                        approvals.decided(w.stage(), "rejected", c.authorGid(), c.gid(), r.comment())));
            }
            if (v instanceof ApprovalPolicy.Verdict.NotAnApprover) {
                LOG.info("event=approval_comment_ignored execution={} comment={} author={} reason=not_an_approver",
                        w.executionId(), c.gid(), c.authorGid());
            }
        }
        if (w.requestedAt().plus(policy.timeoutFor(w.projectGid())).isBefore(now)) {
            return applied(w, "expired", null, store.leaveApproval(w.executionId(), true, 0,
                    approvals.decided(w.stage(), "expired", null, null, null)));
        }
        return false;
    }

    private static boolean applied(ApprovalStore.Waiting w, String how, ApprovalStore.Reply c, boolean applied) {
        if (applied) {
            LOG.info("event=approval_decided execution={} task={} stage={} decision={} comment={} by={}",
                    w.executionId(), w.taskGid(), w.stage().dbName(), how, c == null ? "-" : c.gid(),
                    c == null ? "-" : c.authorGid());
        }
        return applied;
    }
}
