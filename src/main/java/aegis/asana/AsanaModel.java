package aegis.asana;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * The Asana resources Aegis reads and writes, as records. Field names follow Asana's
 * (../shared/asana/asana_oas.yaml); absent fields are null, absent lists empty.
 */
public final class AsanaModel {
    private AsanaModel() {
    }

    /** A compact reference to any resource: {@code {gid, resource_type, name}}. */
    public record Ref(String gid, String resourceType, String name) {
    }

    public record User(String gid, String name, String email) {
    }

    public record Project(String gid, String name, String notes, String permalinkUrl,
                          boolean archived, String workspaceGid) {
    }

    public record Section(String gid, String name) {
    }

    /** A task's place in one project. */
    public record Membership(String projectGid, String projectName, String sectionGid, String sectionName) {
    }

    public record CustomField(String gid, String name, String type, String displayValue,
                              BigDecimal numberValue, String enumValueName) {
    }

    public record Task(
            String gid,
            String name,
            String notes,
            String htmlNotes,
            boolean completed,
            Instant completedAt,
            LocalDate dueOn,
            Instant dueAt,
            Ref assignee,
            Ref parent,
            List<Ref> tags,
            List<CustomField> customFields,
            List<Membership> memberships,
            String permalinkUrl,
            Instant createdAt,
            Instant modifiedAt) {

        /** Open and assigned to {@code userGid} (the bot: the task asks it for work). */
        public boolean openAndAssignedTo(String userGid) {
            return !completed && assignee != null && userGid != null && userGid.equals(assignee.gid());
        }

        /** Open and assigned to one of {@code userGids} (the bots). */
        public boolean openAndAssignedToAny(java.util.Set<String> userGids) {
            return !completed && assignee != null && assignee.gid() != null && userGids.contains(assignee.gid());
        }
    }

    /** A story; comments have {@code resourceSubtype = "comment_added"}. */
    public record Story(String gid, String resourceSubtype, String type, String text, String htmlText,
                        Ref createdBy, Instant createdAt) {
        public boolean isComment() {
            return "comment_added".equals(resourceSubtype) || "comment".equals(type);
        }
    }

    /** One change, as in {@code GET /events} and webhook deliveries. */
    public record Event(String action, EventResource resource, EventResource parent, Ref user,
                        Instant createdAt, Change change) {
    }

    public record EventResource(String gid, String resourceType, String resourceSubtype) {
    }

    public record Change(String field, String action) {
    }

    /** A page of {@code GET /events}: the events, the token for the next call, and whether more wait. */
    public record EventsPage(List<Event> events, String syncToken, boolean hasMore) {
    }

    public record Webhook(String gid, String resourceGid, String target, boolean active,
                          Instant lastSuccessAt, Instant lastFailureAt, String lastFailureContent) {
    }

    /** A webhook filter: {@code resource_type}, optional {@code resource_subtype}, {@code action}, fields. */
    public record WebhookFilter(String resourceType, String resourceSubtype, String action, List<String> fields) {
    }

    /** An enum custom field of a task, with its options (as {@code custom_fields[].enum_options}). */
    public record EnumField(String gid, String name, List<EnumOption> options) {
    }

    public record EnumOption(String gid, String name, boolean enabled) {
    }

    /** A change to a task; null fields are left as they are. */
    public record TaskUpdate(Boolean completed, String assigneeGid, boolean unassign, String name, String notes) {
        public static TaskUpdate complete() {
            return new TaskUpdate(true, null, false, null, null);
        }

        public static TaskUpdate assignTo(String userGid) {
            return new TaskUpdate(null, userGid, false, null, null);
        }
    }
}
