package aegis.status;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;

/** This daemon process: an id (host-pid), its pid and when it started. */
public record Instance(String id, long pid, Instant startedAt) {

    public static Instance current() {
        long pid = ManagementFactory.getRuntimeMXBean().getPid();
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        return new Instance(host + "-" + pid, pid, Instant.now());
    }

    public Duration uptime() {
        return Duration.between(startedAt, Instant.now());
    }
}
