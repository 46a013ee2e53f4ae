package aegis.asana;

/**
 * One write the client made to Asana, as it ended, for the audit trail.
 *
 * @param action      comment, comment_edit, complete, reassign, task_update, status_field, section_move,
 *                    webhook_create, webhook_delete
 * @param method      the HTTP method
 * @param resource    the path written, below the API root (e.g. {@code /tasks/123/stories})
 * @param taskGid     the task written, when there is one
 * @param executionId the execution the write was made for ({@link AsanaClient#forExecution}), else null
 * @param storyGid    the story (comment) or webhook the write created, when it answered one
 * @param result      {@code ok}, or {@code failed:} the error's kind and HTTP status
 */
public record AsanaWrite(String action, String method, String resource, String taskGid, Long executionId,
                         String storyGid, String result) {
}
