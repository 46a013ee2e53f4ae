package aegis.sync;

import aegis.asana.AsanaClient;
import aegis.asana.AsanaException;
import aegis.asana.AsanaModel.Event;
import aegis.asana.AsanaModel.Membership;
import aegis.asana.AsanaModel.Story;
import aegis.asana.AsanaModel.Task;
import aegis.asana.Bots;
import aegis.db.Jdbc;
import aegis.sync.TaskStore.Known;
import aegis.sync.TaskStore.Row;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the mirror up to date with a set of Asana events (from webhook deliveries or from
 * /events): events are grouped by task, each task's current state is fetched once, and a
 * fetch is skipped where the mirror already reflects the event (duplicates, events that
 * both a webhook and the poll reported). The bot's own actions cause no work.
 */
@Singleton
public class EventApplier {
    private static final Logger LOG = LoggerFactory.getLogger(EventApplier.class);

    private final AsanaClient asana;
    private final Bots bots;
    private final Jdbc jdbc;
    private final ProjectRepository projects;
    private final MirrorWriter writer;

    public EventApplier(AsanaClient asana, Bots bots, Jdbc jdbc, ProjectRepository projects,
                        MirrorWriter writer) {
        this.asana = asana;
        this.bots = bots;
        this.jdbc = jdbc;
        this.projects = projects;
        this.writer = writer;
    }

    public record Outcome(int events, int fetchedTasks, int fetchedStories, int signals) {
    }

    /**
     * Events applied recently, by identity: a duplicate delivery, or the poll reporting what a
     * webhook already brought, costs no request. Bounded; a miss only costs a refetch.
     */
    private final Map<String, Boolean> recent = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(4096, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > 20_000;
                }
            });

    private static String identity(Event e) {
        return e.createdAt() + "|" + e.action() + "|" + e.resource().gid() + "|"
                + (e.parent() == null ? "" : e.parent().gid()) + "|" + (e.user() == null ? "" : e.user().gid())
                + "|" + (e.change() == null ? "" : e.change().field());
    }

    /** Per task: the actions seen, the newest event time, the last actor, new story gids. */
    private static final class Pending {
        final Set<String> actions = new HashSet<>();
        final Set<String> storyGids = new LinkedHashSet<>();
        /** New comments (or stories of unknown subtype): on any tracked task they may @-mention a bot or ask to be remembered. */
        final Set<String> commentGids = new LinkedHashSet<>();
        Instant latest;
        String actor;
        boolean taskEvent;
    }

    public Outcome apply(List<Event> events) {
        Set<String> botGids = bots.gids();
        Map<String, Pending> byTask = new LinkedHashMap<>();
        Set<String> identities = new LinkedHashSet<>();
        for (Event e : events) {
            if (e.resource() == null || e.resource().gid() == null) {
                continue;
            }
            String id = identity(e);
            if (e.createdAt() != null && (recent.containsKey(id) || identities.contains(id))) {
                continue;
            }
            identities.add(id);
            String actor = e.user() == null ? null : e.user().gid();
            if (actor != null && botGids.contains(actor)) {
                continue;
            }
            String type = e.resource().resourceType();
            if ("task".equals(type)) {
                Pending p = byTask.computeIfAbsent(e.resource().gid(), k -> new Pending());
                p.taskEvent = true;
                p.actions.add(e.action() == null ? "changed" : e.action());
                if (e.createdAt() != null && (p.latest == null || e.createdAt().isAfter(p.latest))) {
                    p.latest = e.createdAt();
                }
                if (actor != null) {
                    p.actor = actor;
                }
            } else if ("story".equals(type) && e.parent() != null && "task".equals(e.parent().resourceType())
                    && "added".equals(e.action())) {
                Pending p = byTask.computeIfAbsent(e.parent().gid(), k -> new Pending());
                p.storyGids.add(e.resource().gid());
                String subtype = e.resource().resourceSubtype();
                if (subtype == null || "comment_added".equals(subtype)) {
                    p.commentGids.add(e.resource().gid());
                }
            }
        }
        if (byTask.isEmpty()) {
            identities.forEach(id -> recent.put(id, Boolean.TRUE));
            return new Outcome(events.size(), 0, 0, 0);
        }
        Set<String> storyGids = byTask.values().stream().flatMap(p -> p.storyGids.stream())
                .collect(Collectors.toSet());
        record Local(Map<String, Known> tasks, Set<String> comments) {
        }
        Local local = jdbc.withConnection(c -> new Local(TaskStore.find(c, byTask.keySet()),
                TaskStore.knownComments(c, storyGids)));

        Map<String, Task> fetched = new LinkedHashMap<>();
        List<String> deleted = new ArrayList<>();
        int storyFetches = 0;
        for (Map.Entry<String, Pending> en : byTask.entrySet()) {
            String gid = en.getKey();
            Pending p = en.getValue();
            Known k = local.tasks().get(gid);
            if (!p.taskEvent || reflected(k, p)) {
                continue;
            }
            try {
                fetched.put(gid, asana.task(gid));
            } catch (AsanaException.NotFound e) {
                if (k != null && !k.state().deleted()) {
                    deleted.add(gid);
                }
            } catch (AsanaException.Forbidden e) {
                LOG.warn("event=task_unreadable task={} status=403", gid);
            }
        }

        Map<String, Long> tracked = projects.active().stream()
                .collect(Collectors.toMap(ProjectRepository.StoredProject::gid, ProjectRepository.StoredProject::id));
        Map<String, Known> parents = parentsOf(fetched.values(), local.tasks());
        List<Row> rows = new ArrayList<>();
        Set<String> botBefore = new HashSet<>();
        Map<String, List<Story>> stories = new HashMap<>();
        Map<String, String> actors = new HashMap<>();
        for (Map.Entry<String, Pending> en : byTask.entrySet()) {
            String gid = en.getKey();
            Pending p = en.getValue();
            Known k = local.tasks().get(gid);
            boolean wasBot = k != null && k.state().wantsBot(botGids);
            if (wasBot) {
                botBefore.add(gid);
            }
            if (p.actor != null) {
                actors.put(gid, p.actor);
            }
            Task t = fetched.get(gid);
            boolean isBot = wasBot;
            if (t != null) {
                Row row = place(t, k, tracked, parents);
                if (row == null) {
                    if (k != null && !k.state().deleted()) {
                        // No longer in any tracked project: out of the mirror's scope.
                        deleted.add(gid);
                    }
                    continue;
                }
                rows.add(row);
                isBot = t.openAndAssignedToAny(botGids);
            }
            boolean newStories = !p.storyGids.isEmpty() && !local.comments().containsAll(p.storyGids);
            // New comments are read on any tracked task: a person's comment may @-mention a bot, and a
            // "remember:" counts wherever it is written.
            boolean newComments = !p.commentGids.isEmpty() && !local.comments().containsAll(p.commentGids);
            // A task Asana just answered 404 for has no stories to read either.
            if (((isBot && (!wasBot || newStories)) || newComments) && (k != null || t != null)
                    && !deleted.contains(gid)) {
                try (Stream<Story> s = asana.stories(gid)) {
                    stories.put(gid, s.toList());
                    storyFetches++;
                } catch (AsanaException.NotFound e) {
                    deleted.add(gid);
                }
            }
        }
        MirrorWriter.Written w = writer.write(new MirrorWriter.Batch(rows, deleted, stories, actors, botBefore),
                botGids);
        identities.forEach(id -> recent.put(id, Boolean.TRUE));
        return new Outcome(events.size(), fetched.size(), storyFetches, w.signals().size());
    }

    /** True when the stored row already shows every change these events report. */
    private static boolean reflected(Known k, Pending p) {
        if (k == null) {
            return false;
        }
        if (k.state().deleted()) {
            return p.actions.equals(Set.of("deleted"));
        }
        boolean onlyChanged = p.actions.stream().allMatch(a -> a.equals("changed"));
        return onlyChanged && k.modifiedAt() != null && p.latest != null && !k.modifiedAt().isBefore(p.latest);
    }

    private Map<String, Known> parentsOf(java.util.Collection<Task> tasks, Map<String, Known> known) {
        Set<String> want = new HashSet<>();
        for (Task t : tasks) {
            if (t.parent() != null && !known.containsKey(t.parent().gid())) {
                want.add(t.parent().gid());
            }
        }
        Map<String, Known> out = new HashMap<>(known);
        if (!want.isEmpty()) {
            out.putAll(jdbc.withConnection(c -> TaskStore.find(c, want)));
        }
        return out;
    }

    /** The tracked project a task belongs to: a membership, else its parent's project, else where it is stored. */
    private static Row place(Task t, Known stored, Map<String, Long> tracked, Map<String, Known> parents) {
        if (t.memberships() != null) {
            for (Membership m : t.memberships()) {
                Long id = tracked.get(m.projectGid());
                if (id != null) {
                    return new Row(id, m.projectGid(), t);
                }
            }
        }
        if (t.parent() != null) {
            Known parent = parents.get(t.parent().gid());
            if (parent != null && tracked.containsValue(parent.projectId())) {
                return new Row(parent.projectId(), null, t);
            }
        }
        return null;
    }
}
