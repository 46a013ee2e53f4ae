package aegis.dispatch;

import aegis.agent.RenderedPrompt;
import aegis.config.ProjectSettings;
import aegis.governance.ApprovalPolicy;
import aegis.governance.ApprovalStage;
import aegis.governance.ApprovalStore;
import aegis.governance.ApprovalTexts;
import aegis.governance.BudgetHint;
import aegis.sync.MirroredTask;
import aegis.sync.TaskReader;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where an attempt stops for a person's approval, for {@link AttemptRunner}: before the agent
 * ({@code before_run}), before the answer is applied ({@code before_finish}), and, for an
 * execution coming back from a wait, what the decision means (run, finish, or reply and end).
 */
final class ApprovalGate {
    private final ApprovalPolicy policy;
    private final ApprovalStore approvals;
    private final BudgetHint budget;
    private final TaskReader tasks;
    private final ProjectSettings.All projects;
    private final Finisher finisher;

    ApprovalGate(ApprovalPolicy policy, ApprovalStore approvals, BudgetHint budget, TaskReader tasks,
                 ProjectSettings.All projects, Finisher finisher) {
        this.policy = policy;
        this.approvals = approvals;
        this.budget = budget;
        this.tasks = tasks;
        this.projects = projects;
        this.finisher = finisher;
    }

    /** No approvals at all: for a pool built without them (tools, tests of the queue alone). */
    static ApprovalGate off(TaskReader tasks, ProjectSettings.All projects, Finisher finisher) {
        return new ApprovalGate(new ApprovalPolicy(aegis.config.ApprovalSettings.none()), null,
                (project, kind) -> "no budget configured", tasks, projects, finisher);
    }

    Set<ApprovalStage> stages(MirroredTask task) {
        return policy.stagesFor(task.project().gid(), task.tags());
    }

    /**
     * An execution with its outcome owed: a refused approval is answered with the reply; a proposed
     * answer is finished once approved, else (a crash before it was parked) asked for again.
     * Empty when approvals have nothing to do with it: the owed answer is reported as ever.
     */
    Optional<Ended> owed(Run r) {
        Execution e = r.execution;
        if (approvals == null) {
            return Optional.empty();
        }
        List<ApprovalStore.Approval> decided = approvals.of(e.id());
        Optional<ApprovalStore.Approval> refused = decided.stream().filter(ApprovalStore.Approval::refused).findFirst();
        Optional<MirroredTask> task = decided.isEmpty() && !"done".equals(e.owedOutcome())
                ? Optional.empty() : tasks.task(e.taskId());
        if (refused.isPresent()) {
            ApprovalStore.Approval a = refused.get();
            String projectGid = task.map(t -> t.project().gid()).orElse("");
            return Optional.of(finisher.declined(r, ApprovalTexts.refused(a.stage(), a.status(), a.reason(),
                    policy.timeoutFor(projectGid))));
        }
        if (!"done".equals(e.owedOutcome())) {
            return Optional.empty();
        }
        if (decided.stream().anyMatch(a -> a.stage() == ApprovalStage.BEFORE_FINISH && a.approved())) {
            return Optional.of(finisher.approvedFinish(r, ApprovalTexts.approvedFinish()));
        }
        if (task.isPresent() && stages(task.get()).contains(ApprovalStage.BEFORE_FINISH)) {
            return Optional.of(propose(r, task.get(), e.result(), null));
        }
        return Optional.empty();
    }

    /** Before the agent: parks the execution with a request, unless it needs none or has been approved. */
    Optional<Ended> beforeRun(Run r, MirroredTask task, RenderedPrompt prompt) {
        Execution e = r.execution;
        if (!stages(task).contains(ApprovalStage.BEFORE_RUN) || approvals.of(e.id()).stream()
                .anyMatch(a -> a.stage() == ApprovalStage.BEFORE_RUN && a.approved())) {
            return Optional.empty();
        }
        String projectGid = task.project().gid();
        ProjectSettings p = projects.forProject(projectGid);
        String target = p.repository().repo().or(p::codePath).or(task.project()::codePath)
                .map(repo -> "repository " + repo).orElse("no repository: the answer is a comment here");
        // The task's own part: the system prompt is the same for every task of the kind.
        String promptText = prompt.user() != null && !prompt.user().isBlank() ? prompt.user()
                : prompt.system() == null ? "" : prompt.system();
        String text = ApprovalTexts.beforeRun(e.agentType(), target, promptText,
                budget.remainingFor(projectGid, e.agentType()), policy.approvers(projectGid),
                policy.timeoutFor(projectGid));
        return Optional.of(finisher.awaitApproval(r, ApprovalTexts.marker(ApprovalStage.BEFORE_RUN, e.id()), text,
                story -> approvals.requested(ApprovalStage.BEFORE_RUN, story)));
    }

    /**
     * The agent is done and the task waits before finishing: the answer recorded, posted as a proposal,
     * the execution parked. {@code acc} is null when the outcome is already recorded.
     */
    Ended propose(Run r, MirroredTask task, String result, Accounting acc) {
        Execution e = r.execution;
        String projectGid = task.project().gid();
        String text = ApprovalTexts.beforeFinish(result, policy.approvers(projectGid), policy.timeoutFor(projectGid));
        String marker = ApprovalTexts.marker(ApprovalStage.BEFORE_FINISH, e.id());
        return acc == null
                ? finisher.awaitApproval(r, marker, text, story -> approvals.requested(ApprovalStage.BEFORE_FINISH, story))
                : finisher.propose(r, result, acc, marker, text,
                        story -> approvals.requested(ApprovalStage.BEFORE_FINISH, story));
    }
}
