package aegis.sync;

import aegis.asana.AsanaClient;
import aegis.asana.AsanaException;
import aegis.asana.AsanaModel.Story;
import aegis.asana.AsanaModel.Task;
import aegis.asana.Bots;
import aegis.metrics.Metrics;
import aegis.sync.ProjectRepository.StoredProject;
import aegis.sync.TaskStore.Row;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The full sync of tracked projects: per project one paged task listing, then subtasks and
 * comment threads of the open tasks assigned to the bot; batched upserts; tasks Asana no
 * longer lists are marked deleted. A project without an events sync token gets one first,
 * so that the events poll later covers every change made while the listing ran. Before the
 * projects, the mirror's columns that depend on the bot's gid or on other rows are put right
 * ({@link TaskStore#align}).
 */
@Singleton
public class FullSync {
    private static final Logger LOG = LoggerFactory.getLogger(FullSync.class);
    static final int BATCH = 500;
    private static final int THREAD_BATCH = 50;

    private final AsanaClient asana;
    private final Bots bots;
    private final ProjectTracker tracker;
    private final ProjectRepository projects;
    private final MirrorWriter writer;
    private final Metrics metrics;
    /** Set when the daemon stops: a sync (hours under rate limits) must not hold up the exit. */
    private volatile boolean stopping;

    public FullSync(AsanaClient asana, Bots bots, ProjectTracker tracker, ProjectRepository projects,
                    MirrorWriter writer, Metrics metrics) {
        this.asana = asana;
        this.bots = bots;
        this.tracker = tracker;
        this.projects = projects;
        this.writer = writer;
        this.metrics = metrics;
    }

    /**
     * Makes a running sync return at its next page or task thread, writing what it has and
     * neither sweeping nor marking the project synced (its listing is partial).
     */
    @PreDestroy
    public void stop() {
        stopping = true;
    }

    /** A sync cut short by {@link #stop()}. */
    public static final class Stopped extends RuntimeException {
        Stopped() {
            super("the full sync was stopped", null, false, false);
        }
    }

    private void checkStop() {
        if (stopping) {
            throw new Stopped();
        }
    }

    /** What one project's sync did. */
    public record ProjectResult(String projectGid, int listed, int subtasks, int changed, int deleted,
                                int newComments, int signals) {
    }

    public record Result(List<ProjectResult> projects, List<String> failed) {
        public int listed() {
            return projects.stream().mapToInt(ProjectResult::listed).sum();
        }

        public int changed() {
            return projects.stream().mapToInt(ProjectResult::changed).sum();
        }
    }

    /**
     * Refreshes the tracked set, then syncs every tracked project (or only {@code onlyProject}).
     * A project that fails is reported and the others still run.
     */
    public Result run(Optional<String> onlyProject, boolean refetchProjectDetails) {
        long start = System.nanoTime();
        List<StoredProject> tracked = tracker.refresh(refetchProjectDetails);
        int aligned = writer.align(bots.gids());
        if (aligned > 0) {
            LOG.info("event=mirror_aligned rows={}", aligned);
        }
        List<ProjectResult> done = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (StoredProject p : tracked) {
            if (onlyProject.isPresent() && !onlyProject.get().equals(p.gid())) {
                continue;
            }
            try {
                done.add(syncProject(p));
            } catch (Stopped e) {
                failed.add(p.gid());
                LOG.info("event=full_sync_stopped project={}", p.gid());
                break;
            } catch (AsanaException | aegis.db.Jdbc.DataAccessException e) {
                failed.add(p.gid());
                LOG.warn("event=full_sync_failed project={} error=\"{}\"", p.gid(), e.getMessage());
            }
        }
        if (onlyProject.isPresent() && done.isEmpty() && failed.isEmpty()) {
            throw new IllegalArgumentException("project " + onlyProject.get() + " is not tracked");
        }
        metrics.fullSync(Duration.ofNanos(System.nanoTime() - start));
        return new Result(done, failed);
    }

    /** One project, by gid (a 412 on its events asks for this). */
    public ProjectResult syncProject(String projectGid) {
        StoredProject p = projects.byGid(projectGid)
                .orElseThrow(() -> new IllegalArgumentException("project " + projectGid + " is not tracked"));
        return syncProject(p);
    }

    ProjectResult syncProject(StoredProject p) {
        java.util.Set<String> botGids = bots.gids();
        long started = System.nanoTime();
        String token = p.eventsSyncToken() == null ? freshToken(p.gid()) : null;

        Set<String> seen = new HashSet<>();
        Set<String> openBot = new LinkedHashSet<>();
        Set<String> newlyBot = new HashSet<>();
        int changed = 0;
        int signals = 0;
        List<Row> batch = new ArrayList<>(BATCH);
        try (Stream<Task> listing = asana.projectTasks(p.gid(), Optional.empty())) {
            for (Task t : (Iterable<Task>) listing::iterator) {
                // Per task is per page in effect: the next page is requested only after this check.
                checkStop();
                seen.add(t.gid());
                if (t.openAndAssignedToAny(botGids)) {
                    openBot.add(t.gid());
                }
                batch.add(new Row(p.id(), p.gid(), t));
                if (batch.size() == BATCH) {
                    MirrorWriter.Written w = flush(batch, botGids);
                    changed += w.changes().size();
                    signals += w.signals().size();
                    collectNewlyBot(w, newlyBot);
                    batch.clear();
                }
            }
        }
        MirrorWriter.Written w = flush(batch, botGids);
        changed += w.changes().size();
        signals += w.signals().size();
        collectNewlyBot(w, newlyBot);

        // Subtasks and threads of the open bot tasks; bot-assigned subtasks get their threads too.
        int subtaskCount = 0;
        int newComments = 0;
        List<String> parents = new ArrayList<>(openBot);
        List<Row> rows = new ArrayList<>();
        Map<String, List<Story>> threads = new HashMap<>();
        Set<String> botBefore = new HashSet<>();
        for (int i = 0; i < parents.size(); i++) {
            checkStop();
            String gid = parents.get(i);
            try (Stream<Task> subs = asana.subtasks(gid)) {
                for (Task s : (Iterable<Task>) subs::iterator) {
                    seen.add(s.gid());
                    rows.add(new Row(p.id(), p.gid(), s));
                    subtaskCount++;
                    if (s.openAndAssignedToAny(botGids)) {
                        threads.put(s.gid(), thread(s.gid()));
                    }
                }
            } catch (AsanaException.NotFound e) {
                continue;
            }
            try {
                threads.put(gid, thread(gid));
            } catch (AsanaException.NotFound e) {
                continue;
            }
            if (!newlyBot.contains(gid)) {
                botBefore.add(gid);
            }
            if (threads.size() >= THREAD_BATCH || i == parents.size() - 1) {
                MirrorWriter.Written tw = writer.write(new MirrorWriter.Batch(rows, List.of(), threads, Map.of(),
                        botBefore), botGids);
                changed += tw.changes().size();
                signals += tw.signals().size();
                newComments += tw.comments().size();
                rows = new ArrayList<>();
                threads = new HashMap<>();
                botBefore = new HashSet<>();
            }
        }
        if (!rows.isEmpty() || !threads.isEmpty()) {
            MirrorWriter.Written tw = writer.write(new MirrorWriter.Batch(rows, List.of(), threads, Map.of(),
                    botBefore), botGids);
            changed += tw.changes().size();
            newComments += tw.comments().size();
            signals += tw.signals().size();
        }

        checkStop();
        int deleted = writer.sweep(p.id(), seen, openBot, botGids).size();
        projects.synced(p.id(), token);
        LOG.info("event=full_sync_project project={} listed={} subtasks={} changed={} deleted={} comments={} "
                        + "signals={} ms={}", p.gid(), seen.size() - subtaskCount, subtaskCount, changed, deleted,
                newComments, signals, (System.nanoTime() - started) / 1_000_000);
        return new ProjectResult(p.gid(), seen.size() - subtaskCount, subtaskCount, changed, deleted, newComments,
                signals);
    }

    private MirrorWriter.Written flush(List<Row> batch, java.util.Set<String> botGids) {
        return writer.write(new MirrorWriter.Batch(List.copyOf(batch), List.of(), Map.of(), Map.of(), Set.of()),
                botGids);
    }

    private static void collectNewlyBot(MirrorWriter.Written w, Set<String> into) {
        for (TaskSignal s : w.signals()) {
            if (s instanceof TaskSignal.AssignedToBot a) {
                into.add(a.taskGid());
            }
        }
    }

    private List<Story> thread(String taskGid) {
        try (Stream<Story> s = asana.stories(taskGid)) {
            return s.filter(Story::isComment).toList();
        }
    }

    /** A fresh events sync token: Asana answers a token-less /events with 412 and one. */
    String freshToken(String projectGid) {
        try {
            return asana.events(projectGid, null).syncToken();
        } catch (AsanaException.InvalidSyncToken e) {
            return e.freshToken();
        }
    }
}
