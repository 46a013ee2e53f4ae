package aegis.dispatch;

import aegis.agent.Agent;
import aegis.agent.AgentKinds;
import aegis.asana.Bots;
import aegis.agent.AgentsConfig;
import aegis.agent.Prompts;
import aegis.config.ProjectSettings;
import aegis.governance.ApprovalPolicy;
import aegis.governance.ApprovalStore;
import aegis.governance.BudgetHint;
import aegis.workspace.Workspaces;
import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.memory.ProjectMemory;
import aegis.governance.BudgetGate;
import aegis.governance.Ledger;
import aegis.metrics.Metrics;
import aegis.sync.TaskReader;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.stream.Collectors;

/** The queue's beans built from settings. */
@Factory
class DispatchBeans {
    @Singleton
    DispatchSettings dispatchSettings(Settings settings) {
        return DispatchSettings.from(settings);
    }

    @Singleton
    ProgressSettings progressSettings(Settings settings) {
        return ProgressSettings.from(settings);
    }

    @Singleton
    RetryPolicy retryPolicy(DispatchSettings s) {
        return new ExponentialBackoff(s.backoffBase(), s.backoffMax());
    }

    @Singleton
    @Bean(preDestroy = "close")
    QueueSignals queueSignals(AegisConfig config, ExecutionStore store) {
        return new QueueSignals(config.database(), store::channel);
    }

    @Singleton
    @Bean(preDestroy = "close")
    WorkerPool workerPool(AegisConfig config, ExecutionStore store, TaskReader tasks, AgentRows rows,
                          ExecutionEvents events, AgentKinds kinds, Prompts prompts, ResultReporter reporter,
                          RetryPolicy retry, DispatchSettings settings, QueueSignals signals, Bots bots,
                          Metrics metrics, ProjectSettings.All projects, Workspaces workspaces,
                          AgentsConfig agentsConfig, ProjectMemory memory, ApprovalPolicy approvalPolicy,
                          ApprovalStore approvals, BudgetHint budget, ProgressComments progress, StatusField status,
                          BudgetGate budgetGate, Ledger ledger) {
        Map<String, Agent> agents = kinds.kinds().stream().collect(Collectors.toMap(k -> k, kinds::forKind));
        return WorkerPool.of(config.database(), store, tasks, rows, events, agents, prompts, reporter, retry,
                settings, signals, bots::named, metrics, projects,
                new CodingWork(workspaces, projects, agentsConfig.command(), events), memory,
                finisher -> new ApprovalGate(approvalPolicy, approvals, budget, tasks, projects, finisher),
                progress, status, new BudgetControl(budgetGate, ledger));
    }
}
