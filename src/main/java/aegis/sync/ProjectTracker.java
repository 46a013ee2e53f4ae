package aegis.sync;

import aegis.asana.AsanaClient;
import aegis.asana.AsanaException;
import aegis.asana.AsanaModel.Project;
import aegis.config.AegisConfig;
import aegis.config.ProjectSettings;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which projects Aegis tracks: the items of {@code AEGIS_ASANA_PORTFOLIO}, or the projects of
 * {@code AEGIS_ASANA_PROJECTS}. A project that leaves the set is archived locally, never deleted.
 */
@Singleton
public class ProjectTracker {
    private static final Logger LOG = LoggerFactory.getLogger(ProjectTracker.class);

    private final AegisConfig config;
    private final ProjectSettings.All projectSettings;
    private final AsanaClient asana;
    private final ProjectRepository projects;

    public ProjectTracker(AegisConfig config, ProjectSettings.All projectSettings, AsanaClient asana,
                          ProjectRepository projects) {
        this.config = config;
        this.projectSettings = projectSettings;
        this.asana = asana;
        this.projects = projects;
    }

    /**
     * Refreshes the tracked set. For an explicit list, a project's details are fetched only
     * when {@code refetchDetails} or when they were never fetched: a routine sync spends no
     * request on names it already has.
     */
    public List<ProjectRepository.StoredProject> refresh(boolean refetchDetails) {
        List<ProjectRepository.Tracked> tracked = new ArrayList<>();
        String portfolio = config.asana().portfolioGid().orElse(null);
        if (portfolio != null) {
            try (Stream<Project> items = asana.portfolioProjects(portfolio)) {
                items.forEach(p -> tracked.add(new ProjectRepository.Tracked(p.gid(), p, portfolio, codePath(p.gid()))));
            }
        }
        Set<String> have = new HashSet<>(projects.withDetails());
        for (String gid : config.asana().projectGids()) {
            if (tracked.stream().anyMatch(t -> t.gid().equals(gid))) {
                continue;
            }
            Project details = null;
            if (refetchDetails || !have.contains(gid)) {
                try {
                    details = asana.project(gid);
                } catch (AsanaException.NotFound | AsanaException.Forbidden e) {
                    LOG.warn("event=project_unreadable project={} status={}", gid, e.status());
                    continue;
                }
            }
            tracked.add(new ProjectRepository.Tracked(gid, details, null, codePath(gid)));
        }
        List<String> archived = projects.replaceTracked(config.asana().workspaceGid(), tracked);
        for (String gid : archived) {
            LOG.info("event=project_archived project={} reason=no_longer_tracked", gid);
        }
        return projects.active();
    }

    private String codePath(String gid) {
        return projectSettings.forProject(gid).codePath().orElse(null);
    }
}
