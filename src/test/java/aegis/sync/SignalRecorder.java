package aegis.sync;

import io.micronaut.context.annotation.Requires;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Test-only listener: records every TaskSignal published, in order. */
@Singleton
@Requires(property = "aegis.test.record-signals", value = "true")
public class SignalRecorder {
    private final List<TaskSignal> signals = new CopyOnWriteArrayList<>();

    @EventListener
    void on(TaskSignal s) {
        signals.add(s);
    }

    public List<TaskSignal> signals() {
        return List.copyOf(signals);
    }
}
