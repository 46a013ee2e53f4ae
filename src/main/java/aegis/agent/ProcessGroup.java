package aegis.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A process group on Linux, started by {@code setsid} so that the agent and everything it
 * spawns share one group id (the leader's pid). Killing signals the whole group, then
 * checks {@code /proc} until no member is left: a child that outlives its parent is still
 * found by its group id.
 */
final class ProcessGroup {
    private ProcessGroup() {
    }

    /** Pids whose process group is {@code pgid}, read from /proc. */
    static List<Long> members(long pgid) {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(Path.of("/proc"))) {
            dirs.forEach(d -> {
                String name = d.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
                    return;
                }
                try {
                    String stat = Files.readString(d.resolve("stat"));
                    // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (Long.parseLong(f[2]) == pgid && !"Z".equals(f[0])) {
                        out.add(Long.parseLong(name));
                    }
                } catch (IOException | RuntimeException gone) {
                    // the process ended while we looked
                }
            });
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /**
     * SIGTERM to the group, SIGKILL after {@code grace} to whatever is left; returns when no
     * member is left or after a bounded wait. Never throws InterruptedException: it runs
     * on the way out of an interrupted agent.
     */
    /** After the grace period, how long SIGKILL is repeated until the group is gone. */
    static final Duration HARD_KILL_WAIT = Duration.ofSeconds(5);

    static boolean kill(long pgid, Duration grace) {
        signal(pgid, "TERM");
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < deadline) {
            if (members(pgid).isEmpty()) {
                return true;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        long hard = System.nanoTime() + HARD_KILL_WAIT.toNanos();
        while (System.nanoTime() < hard) {
            signal(pgid, "KILL");
            List<Long> left = members(pgid);
            if (left.isEmpty()) {
                return true;
            }
            left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        return members(pgid).isEmpty();
    }

    private static void signal(long pgid, String sig) {
        try {
            Process k = new ProcessBuilder("kill", "-s", sig, "--", "-" + pgid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            boolean ended = false;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (!ended && System.nanoTime() < until) {
                ended = !k.isAlive();
                if (!ended) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                }
            }
        } catch (IOException e) {
            // no kill binary: fall back to signalling each member we can see
            for (Long pid : members(pgid)) {
                ProcessHandle.of(pid).ifPresent(h -> {
                    if ("KILL".equals(sig)) {
                        h.destroyForcibly();
                    } else {
                        h.destroy();
                    }
                });
            }
        }
    }
}
