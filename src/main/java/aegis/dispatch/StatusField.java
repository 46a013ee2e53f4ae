package aegis.dispatch;

import aegis.asana.AsanaClient;
import aegis.asana.AsanaModel;
import aegis.config.ProjectSettings;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optional status field ({@code projects.<gid>.status_field}: the name of an enum custom
 * field of the project): set to the option named after where the execution stands. Set on one
 * thread of its own, in the order asked (so a task's field ends where its execution ended), through
 * the one Asana client; a failure is logged and not retried, the next move sets it anew. The field
 * and its options are looked up once per project; an option the field lacks is skipped.
 */
@Singleton
public final class StatusField {
    private static final Logger LOG = LoggerFactory.getLogger(StatusField.class);
    /** Moves waiting beyond this are dropped (Asana far behind): the field is a view, not a record. */
    private static final int QUEUE = 10_000;

    /** Where an execution stands, with the option name it sets. */
    public enum Status {
        QUEUED("queued"), WORKING("working"), WAITING_FOR_APPROVAL("waiting for approval"),
        WAITING_FOR_A_PERSON("waiting for a person"), DONE("done"), FAILED("failed");

        final String option;

        Status(String option) {
            this.option = option;
        }
    }

    private final AsanaClient asana;
    private final ProjectSettings.All projects;
    private final ExecutorService thread;
    private final Map<String, AsanaModel.EnumField> fields = new ConcurrentHashMap<>();

    public StatusField(AsanaClient asana, ProjectSettings.All projects) {
        this.asana = asana;
        this.projects = projects;
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "aegis-status-field");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.DiscardPolicy());
    }

    /** Sets the task's status field, later and elsewhere, when its project has one. */
    public void set(String projectGid, String taskGid, Status status) {
        if (projectGid == null || taskGid == null) {
            return;
        }
        Optional<String> name = projects.forProject(projectGid).statusField();
        if (name.isEmpty()) {
            return;
        }
        try {
            thread.execute(() -> apply(projectGid, taskGid, name.get(), status));
        } catch (RuntimeException rejected) {
            LOG.debug("event=status_field_skipped task={} reason=stopping", taskGid);
        }
    }

    private void apply(String projectGid, String taskGid, String fieldName, Status status) {
        try {
            AsanaModel.EnumField field = fields.get(projectGid);
            if (field == null) {
                Optional<AsanaModel.EnumField> found = asana.enumFields(taskGid).stream()
                        .filter(f -> f.name() != null && f.name().trim().equalsIgnoreCase(fieldName)).findFirst();
                if (found.isEmpty()) {
                    LOG.warn("event=status_field_missing project={} task={} field=\"{}\" hint=\"add an enum custom "
                            + "field of that name to the project, or correct projects.{}.status_field\"", projectGid,
                            taskGid, fieldName, projectGid);
                    return;
                }
                field = found.get();
                fields.put(projectGid, field);
            }
            Optional<AsanaModel.EnumOption> option = field.options().stream()
                    .filter(o -> o.enabled() && o.name() != null
                            && o.name().trim().toLowerCase(Locale.ROOT).equals(status.option))
                    .findFirst();
            if (option.isEmpty()) {
                LOG.info("event=status_option_missing project={} field=\"{}\" option=\"{}\"", projectGid, fieldName,
                        status.option);
                return;
            }
            asana.setEnumField(taskGid, field.gid(), option.get().gid());
        } catch (RuntimeException ex) {
            // A field removed or renamed since it was looked up: look it up again next time.
            fields.remove(projectGid);
            LOG.warn("event=status_field_failed task={} status={} error={}", taskGid, status.option, ex.getMessage());
        }
    }

    @PreDestroy
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.shutdownNow();
    }
}
