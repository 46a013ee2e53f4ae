package aegis.dispatch;

import aegis.asana.BotIdentity;
import aegis.agent.AgentKinds;
import aegis.agent.AgentRows;
import aegis.agent.ExecutionEvents;
import aegis.agent.Prompts;
import aegis.agent.ResultReporter;
import aegis.agent.WorkerPool;
import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.metrics.Metrics;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** The queue's beans built from settings. */
@Factory
class DispatchBeans {
    @Singleton
    DispatchSettings dispatchSettings(Settings settings) {
        return DispatchSettings.from(settings);
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
    WorkerPool workerPool(ExecutionStore store, TaskReader tasks, AgentRows rows, ExecutionEvents events,
                          AgentKinds kinds, Prompts prompts, ResultReporter reporter, RetryPolicy retry,
                          DispatchSettings settings, QueueSignals signals, BotIdentity bot, Metrics metrics) {
        return new WorkerPool(store, tasks, rows, events, kinds.kinds().stream().collect(java.util.stream.Collectors.toMap(k -> k, kinds::forKind)), prompts, reporter, retry, settings, signals,
                bot::gid, metrics);
    }
}
