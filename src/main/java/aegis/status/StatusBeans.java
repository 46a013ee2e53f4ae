package aegis.status;

import aegis.governance.Instance;
import aegis.config.Settings;
import aegis.dispatch.DispatchSettings;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

@Factory
class StatusBeans {
    @Singleton
    Instance instance(DispatchSettings dispatch) {
        // One id for this process everywhere: /status, system_state, leases and agents rows.
        return Instance.current(dispatch.instanceId());
    }

    @Singleton
    StatusSettings statusSettings(Settings settings) {
        return StatusSettings.from(settings);
    }
}
