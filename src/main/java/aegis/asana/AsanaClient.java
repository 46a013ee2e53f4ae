package aegis.asana;

import aegis.asana.AsanaModel.EventsPage;
import aegis.asana.AsanaModel.Project;
import aegis.asana.AsanaModel.Section;
import aegis.asana.AsanaModel.Story;
import aegis.asana.AsanaModel.Task;
import aegis.asana.AsanaModel.TaskUpdate;
import aegis.asana.AsanaModel.User;
import aegis.asana.AsanaModel.Webhook;
import aegis.asana.AsanaModel.WebhookFilter;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Every call Aegis makes to Asana. One implementation, shared by the whole daemon, sends
 * them all through one {@link HttpTransport}: the rate limiter, the read and write
 * concurrency limits, timeouts, retries (idempotent calls only; 429 honours Retry-After
 * for every caller) and the circuit breaker. Failures are {@link AsanaException}s; the
 * token never appears in one.
 *
 * <p>Listings return lazy streams that page with {@code limit=100} and
 * {@code next_page.offset}: a page is fetched only when the stream reaches it.
 * Close them (try-with-resources) when not consumed to the end.
 */
public interface AsanaClient {

    /** {@code GET /users/me}: the bot user. */
    User me();

    /** {@code GET /workspaces/{gid}/projects}. */
    Stream<Project> workspaceProjects(String workspaceGid);

    /** {@code GET /portfolios/{gid}/items}: the projects of a portfolio. */
    Stream<Project> portfolioProjects(String portfolioGid);

    /** {@code GET /projects/{gid}}. */
    Project project(String projectGid);

    /** {@code GET /projects/{gid}/sections}. */
    List<Section> sections(String projectGid);

    /**
     * {@code GET /projects/{gid}/tasks} with the task fields Aegis stores. With
     * {@code completedSince} only tasks incomplete or completed since then.
     */
    Stream<Task> projectTasks(String projectGid, Optional<Instant> completedSince);

    /** {@code GET /tasks/{gid}}; {@link AsanaException.NotFound} when deleted. */
    Task task(String taskGid);

    /** {@code GET /tasks/{gid}/subtasks}. */
    Stream<Task> subtasks(String taskGid);

    /** {@code GET /tasks/{gid}/stories}: all stories, comments and system stories. */
    Stream<Story> stories(String taskGid);

    /**
     * {@code POST /tasks/{gid}/stories}: a comment whose text ends with {@code marker}
     * (e.g. "— Aegis · run 1234"). Never posted twice: before any retry, and first of all
     * when {@code lookFirst} (the caller may have posted it before a crash), the task's
     * stories are searched for the marker and the existing story is returned instead.
     */
    Story postComment(String taskGid, String text, String marker, boolean lookFirst);

    /**
     * {@code POST /tasks/{gid}/stories} with {@code html_text}: a rich-text comment ({@code <body>…</body>},
     * see {@link RichText}) whose text ends with {@code marker}, never posted twice, exactly as
     * {@link #postComment}: the marker is found in the plain text Asana derives from the rich text.
     * Asana refusing the rich text is an {@link AsanaException.BadRequest}; nothing was posted then.
     */
    Story postRichComment(String taskGid, String htmlText, String marker, boolean lookFirst);

    /** {@code PUT /stories/{gid}}: the new plain text of one of the bot's own comments. */
    Story updateStory(String storyGid, String text);

    /** The enum custom fields of a task (those of its projects), with their options. */
    List<AsanaModel.EnumField> enumFields(String taskGid);

    /** {@code PUT /tasks/{gid}} with {@code custom_fields: {fieldGid: optionGid}}. */
    void setEnumField(String taskGid, String fieldGid, String optionGid);

    /** {@code PUT /tasks/{gid}}. */
    Task updateTask(String taskGid, TaskUpdate update);

    /** {@code POST /sections/{gid}/addTask}. */
    void addTaskToSection(String sectionGid, String taskGid);

    /**
     * {@code GET /events?resource=…&sync=…}. A null or expired token raises
     * {@link AsanaException.InvalidSyncToken} carrying the fresh token from the 412 body.
     */
    EventsPage events(String resourceGid, String syncToken);

    /**
     * {@code POST /webhooks}. Asana performs the handshake with {@code target} while this
     * call is open; it returns once the webhook exists.
     */
    Webhook createWebhook(String resourceGid, String target, List<WebhookFilter> filters);

    /** {@code GET /webhooks?workspace=…[&resource=…]}. */
    List<Webhook> webhooks(String workspaceGid, Optional<String> resourceGid);

    /** {@code DELETE /webhooks/{gid}}. */
    void deleteWebhook(String webhookGid);

    /**
     * This client, its writes recorded as made for execution {@code executionId} (the audit
     * trail's link from a comment to the run that posted it). Shares everything else with it.
     */
    default AsanaClient forExecution(long executionId) {
        return this;
    }
}
