package aegis.sync;

import aegis.asana.AsanaClient;
import aegis.asana.AsanaException;
import aegis.asana.AsanaModel.Event;
import aegis.asana.AsanaModel.EventsPage;
import aegis.config.Settings;
import aegis.jobs.PeriodicTask;
import aegis.sync.ProjectRepository.StoredProject;
import aegis.webhook.Subscription;
import aegis.webhook.SubscriptionRepository;
import aegis.webhook.WebhookSettings;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backstop for webhooks: each project's /events, read from its stored sync token. It runs
 * at the short period; a project whose webhook is healthy is polled only every
 * {@code AEGIS_SYNC_POLL_HEALTHY_SECONDS}, one without a healthy webhook every
 * {@code AEGIS_SYNC_POLL_UNHEALTHY_SECONDS}. A 412 stores the fresh token and runs a full
 * sync of that project, since the events in between are lost.
 */
@Singleton
public class EventsPoll implements PeriodicTask {
    private static final Logger LOG = LoggerFactory.getLogger(EventsPoll.class);

    private final AsanaClient asana;
    private final ProjectRepository projects;
    private final SubscriptionRepository subscriptions;
    private final EventApplier applier;
    private final FullSync fullSync;
    private final SyncSettings settings;
    private final WebhookSettings webhookSettings;

    public EventsPoll(AsanaClient asana, ProjectRepository projects, SubscriptionRepository subscriptions,
                      EventApplier applier, FullSync fullSync, Settings settings) {
        this.asana = asana;
        this.projects = projects;
        this.subscriptions = subscriptions;
        this.applier = applier;
        this.fullSync = fullSync;
        this.settings = SyncSettings.read(settings);
        this.webhookSettings = WebhookSettings.read(settings);
    }

    @Override
    public String name() {
        return "sync-events-poll";
    }

    @Override
    public Duration defaultPeriod() {
        return settings.pollUnhealthy();
    }

    @Override
    public void run() {
        pollDue(false);
    }

    /** Polls the projects that are due ({@code all}: every tracked project now); answers how many were polled. */
    public int pollDue(boolean all) {
        Instant now = Instant.now();
        List<Subscription> live = subscriptions.live();
        int polled = 0;
        for (StoredProject p : projects.active()) {
            boolean healthy = live.stream().anyMatch(s -> s.projectId() != null && s.projectId() == p.id()
                    && s.healthy(now, webhookSettings.silence()));
            Duration every = healthy ? settings.pollHealthy() : settings.pollUnhealthy();
            // A little slack so that a poll period equal to the job period is not skipped by jitter.
            boolean due = all || p.lastEventsAt() == null
                    || !p.lastEventsAt().plus(every).minusMillis(500).isAfter(now);
            if (!due) {
                continue;
            }
            try {
                poll(p);
                polled++;
            } catch (AsanaException | aegis.db.Jdbc.DataAccessException e) {
                LOG.warn("event=events_poll_failed project={} error=\"{}\"", p.gid(), e.getMessage());
            }
        }
        return polled;
    }

    void poll(StoredProject p) {
        if (p.eventsSyncToken() == null) {
            fullSync.syncProject(p.gid());
            return;
        }
        List<Event> events = new ArrayList<>();
        String token = p.eventsSyncToken();
        try {
            for (int page = 0; page < 100; page++) {
                EventsPage r = asana.events(p.gid(), token);
                events.addAll(r.events());
                token = r.syncToken() == null ? token : r.syncToken();
                if (!r.hasMore()) {
                    break;
                }
            }
        } catch (AsanaException.InvalidSyncToken e) {
            LOG.info("event=events_token_expired project={} action=full_sync", p.gid());
            projects.polled(p.id(), e.freshToken());
            fullSync.syncProject(p.gid());
            return;
        }
        if (!events.isEmpty()) {
            EventApplier.Outcome o = applier.apply(events);
            LOG.info("event=events_polled project={} events={} fetched={} signals={}", p.gid(), o.events(),
                    o.fetchedTasks(), o.signals());
        }
        projects.polled(p.id(), token);
    }
}
