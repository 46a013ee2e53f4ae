package aegis.dispatch;

import aegis.agent.Agent;
import aegis.config.ProjectSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What of each kind this instance can run here: work of a kind that runs in a repository
 * ({@link Agent#worksInRepository()}) is claimed only for projects whose repository is available on
 * this machine — a {@code repo} that is a URL or an existing local path, or, without one, an
 * existing {@code code_path}. The rest waits for an instance that has it. Looked at again every
 * {@link #RECHECK}, so a repository mounted later is picked up without a restart.
 */
final class ClaimScopes {
    private static final Logger LOG = LoggerFactory.getLogger(ClaimScopes.class);
    static final Duration RECHECK = Duration.ofSeconds(30);
    /** {@code host:path} or {@code user@host:path}, git's scp-like syntax for a remote. */
    private static final Pattern SCP_LIKE = Pattern.compile("^(?:[^/@:]+@)?[^/:]+:.+");

    private final Map<String, Agent> agents;
    private final ProjectSettings.All projects;
    private final LongSupplier nanoClock;
    private final Map<String, Checked> byKind = new ConcurrentHashMap<>();

    private record Checked(ClaimScope scope, long atNanos) {
    }

    ClaimScopes(Map<String, Agent> agents, ProjectSettings.All projects, LongSupplier nanoClock) {
        this.agents = Map.copyOf(agents);
        this.projects = projects;
        this.nanoClock = nanoClock;
    }

    ClaimScopes(Map<String, Agent> agents, ProjectSettings.All projects) {
        this(agents, projects, System::nanoTime);
    }

    /** The executions of {@code kind} this instance may claim now. */
    ClaimScope of(String kind) {
        Agent agent = agents.get(kind);
        if (agent == null || !agent.worksInRepository()) {
            return ClaimScope.all(kind);
        }
        long now = nanoClock.getAsLong();
        Checked c = byKind.get(kind);
        if (c == null || now - c.atNanos() >= RECHECK.toNanos()) {
            ClaimScope scope = look(kind);
            if (c == null ? scope.restricted() : !c.scope().equals(scope)) {
                LOG.warn("event=claim_scope kind={} projects={} only={}: {}", kind, scope.projectGids(), scope.only(),
                        scope.only() ? "the default code path is missing here; only these projects' work is claimed"
                                : scope.projectGids().isEmpty() ? "every project's repository is available again"
                                : "these projects' repositories are not on this machine; their work waits for an "
                                        + "instance that has them");
            }
            c = new Checked(scope, now);
            byKind.put(kind, c);
        }
        return c.scope();
    }

    private ClaimScope look(String kind) {
        boolean othersAvailable = available(projects.forProject("").repository().repo(),
                projects.defaultCodePath());
        List<String> listed = new ArrayList<>();
        for (String gid : projects.byGid().keySet()) {
            ProjectSettings p = projects.forProject(gid);
            boolean here = available(p.repository().repo(), p.codePath());
            // Unlisted projects follow the defaults: list the exceptions to whichever rule that is.
            if (here != othersAvailable) {
                listed.add(gid);
            }
        }
        listed.sort(null);
        return new ClaimScope(kind, listed, !othersAvailable);
    }

    /** Whether a project's code can be had here. */
    static boolean available(Optional<String> repo, Optional<String> codePath) {
        if (repo.isPresent()) {
            return remote(repo.get()) || Files.isDirectory(localPath(repo.get()));
        }
        return codePath.map(p -> Files.isDirectory(Path.of(p))).orElse(true);
    }

    private static boolean remote(String repo) {
        if (repo.startsWith("file://")) {
            return false;
        }
        return repo.contains("://") || (!repo.startsWith("/") && !repo.startsWith(".") && SCP_LIKE.matcher(repo).matches());
    }

    private static Path localPath(String repo) {
        return Path.of(repo.startsWith("file://") ? repo.substring("file://".length()) : repo);
    }
}
