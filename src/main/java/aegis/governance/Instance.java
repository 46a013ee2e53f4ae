package aegis.governance;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;

/**
 * This daemon process: its instance id (the one its leases and {@code agents} rows carry,
 * {@code AEGIS_INSTANCE_ID} or host-pid-random), its pid and when it started.
 */
public record Instance(String id, long pid, Instant startedAt) {

    public static Instance current(String id) {
        return new Instance(id, ManagementFactory.getRuntimeMXBean().getPid(), Instant.now());
    }

    public Duration uptime() {
        return Duration.between(startedAt, Instant.now());
    }
}
