package aegis.jobs;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.UUID;
import org.quartz.spi.InstanceIdGenerator;

/**
 * Quartz's AUTO instance id: host, process id and a random suffix, so that two schedulers
 * started in the same millisecond (on one host, or in one JVM as the tests do) never share
 * an id — Quartz's default (host + time) could.
 */
public final class NodeInstanceId implements InstanceIdGenerator {
    @Override
    public String generateInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        return host + "-" + ManagementFactory.getRuntimeMXBean().getPid() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }
}
