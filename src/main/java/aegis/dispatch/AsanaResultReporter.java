package aegis.dispatch;

import aegis.asana.AsanaClient;
import aegis.asana.AsanaException;
import aegis.asana.AsanaModel;
import aegis.config.ProjectSettings;
import aegis.asana.Bots;
import aegis.asana.RichText;
import aegis.sync.MirrorWriter;
import aegis.sync.MirroredTask;
import aegis.sync.TaskReader;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers through {@link AsanaClient}: done → comment, then complete or move per the
 * project's {@code on_done}; question → comment, then reassign to the person who asked
 * for the work; failed → a comment saying what failed and what happens next; declined (an
 * approval refused) → the reply alone. Approval requests go the same way, each with its own marker.
 * An agent's answer or question is Markdown and goes as rich text ({@link RichText}); when Asana
 * refuses that (400) the plain text goes instead and an event records it. Both carry the marker.
 * Every write is made with the token of the execution's bot, so the answer is authored by the bot
 * that was asked. A mention's run answers in the thread only: it never completes, moves or reassigns.
 */
@Singleton
public final class AsanaResultReporter implements ResultReporter {
    private static final Logger LOG = LoggerFactory.getLogger(AsanaResultReporter.class);
    /** Below Asana's limit on a story's text, leaving room for the footer. */
    static final int COMMENT_MAX = 60_000;
    private static final DateTimeFormatter AT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    private final Bots bots;
    private final TaskReader tasks;
    private final ProjectSettings.All projects;
    private final MirrorWriter mirror;
    private final ExecutionEvents events;
    private final StatusField status;

    public AsanaResultReporter(Bots bots, TaskReader tasks, ProjectSettings.All projects, MirrorWriter mirror) {
        this(bots, tasks, projects, mirror, null, null);
    }

    @jakarta.inject.Inject
    public AsanaResultReporter(Bots bots, TaskReader tasks, ProjectSettings.All projects, MirrorWriter mirror,
                               ExecutionEvents events, StatusField status) {
        this.bots = bots;
        this.events = events;
        this.status = status;
        this.mirror = mirror;
        this.tasks = tasks;
        this.projects = projects;
    }

    @Override
    public String answer(Execution e, Answer answer, boolean lookFirst) {
        String marker = e.marker();
        AsanaClient asana = asana(e);
        if (e.mention()) {
            return postMarkdown(e, mentionText(answer), marker, lookFirst).gid();
        }
        if (answer instanceof Answer.Done d) {
            AsanaModel.Story story = postMarkdown(e, d.result(), marker, lookFirst);
            followUp(e, story, () -> afterDone(e));
            status(e, StatusField.Status.DONE);
            return story.gid();
        }
        if (answer instanceof Answer.Question q) {
            AsanaModel.Story story = postMarkdown(e, "I need an answer before I can continue:\n\n" + q.question()
                            + "\n\nReply in a comment and assign the task back to me.", marker, lookFirst);
            status(e, StatusField.Status.WAITING_FOR_A_PERSON);
            followUp(e, story, () -> {
                Optional<String> asker = requester(e);
                mirror(e, asana.updateTask(e.taskGid(), asker.map(AsanaModel.TaskUpdate::assignTo)
                        .orElseGet(() -> new AsanaModel.TaskUpdate(null, null, true, null, null))));
                LOG.info("event=question_asked execution={} task={} reassigned_to={}", e.id(), e.taskGid(),
                        asker.orElse("nobody"));
            });
            return story.gid();
        }
        if (answer instanceof Answer.Declined d) {
            return asana(e).postComment(e.taskGid(), body(d.reply(), marker, e.id()), marker, lookFirst).gid();
        }
        Answer.Failed f = (Answer.Failed) answer;
        String what = f.timedOut() ? "The run took too long and was stopped" : "The run failed";
        String text = what + ": " + f.reason() + "\n\nGave up after " + f.attempts()
                + (f.attempts() == 1 ? " attempt" : " attempts")
                + ". Comment on this task or assign it to me again to try once more.";
        String gid = asana(e).postComment(e.taskGid(), body(text, marker, e.id()), marker, lookFirst).gid();
        status(e, StatusField.Status.FAILED);
        return gid;
    }

    /**
     * Markdown as rich text; plain text when Asana refuses the rich text (a 400 posts nothing, so
     * the plain text cannot make it twice). Either way the plain text Asana keeps ends with the
     * marker, which is how a later attempt finds the answer already posted.
     */
    private AsanaModel.Story postMarkdown(Execution e, String markdown, String marker, boolean lookFirst) {
        String html = RichText.fromMarkdown(trimmed(markdown, e.id()), null);
        try {
            return asana(e).postRichComment(e.taskGid(), html, marker, lookFirst);
        } catch (AsanaException.BadRequest refused) {
            LOG.warn("event=rich_text_refused execution={} task={} error={}", e.id(), e.taskGid(),
                    refused.getMessage());
            if (events != null) {
                events.record(null, e.id(), "rich_text_refused", "warn",
                        "Asana refused the answer as rich text; posted as plain text: " + refused.getMessage(),
                        java.util.Map.of("html_chars", html.length()));
            }
            return asana(e).postComment(e.taskGid(), body(markdown, marker, e.id()), marker, false);
        }
    }

    private void status(Execution e, StatusField.Status s) {
        if (status != null) {
            status.set(tasks.task(e.taskId()).map(t -> t.project().gid()).orElse(null), e.taskGid(), s);
        }
    }

    @Override
    public void retrying(Execution e, String reason, Instant at) {
        // Its own marker, not containing the final one: the client finds markers by substring.
        String marker = "— Aegis · attempt " + e.attempt() + " of run " + e.id();
        String text = "Attempt " + e.attempt() + " of " + e.maxAttempts() + " failed: " + reason
                + "\n\nI will retry at " + AT.format(at) + ".";
        asana(e).postComment(e.taskGid(), body(text, marker, e.id()), marker, false);
        status(e, StatusField.Status.QUEUED);
    }

    /** A mention's answer: the thread only, and how to ask again is to mention the bot again. */
    private static String mentionText(Answer answer) {
        if (answer instanceof Answer.Done d) {
            return d.result();
        }
        if (answer instanceof Answer.Question q) {
            return "I need an answer before I can continue:\n\n" + q.question()
                    + "\n\nReply in a comment that mentions me.";
        }
        if (answer instanceof Answer.Declined d) {
            return d.reply();
        }
        Answer.Failed f = (Answer.Failed) answer;
        return (f.timedOut() ? "The run took too long and was stopped" : "The run failed") + ": " + f.reason()
                + "\n\nGave up after " + f.attempts() + (f.attempts() == 1 ? " attempt" : " attempts")
                + ". Mention me in a new comment to try once more.";
    }

    @Override
    public String ask(Execution e, String marker, String text, boolean lookFirst) {
        return asana(e).postComment(e.taskGid(), body(text, marker, e.id()), marker, lookFirst).gid();
    }

    @Override
    public void held(Execution e, String notice) {
        String marker = heldMarker(e.id());
        asana(e).postComment(e.taskGid(), body(notice, marker, e.id()), marker, true);
    }

    /** The budget notice's own marker: one per execution, not containing the answer's. */
    static String heldMarker(long executionId) {
        return "— Aegis · budget hold of run " + executionId;
    }

    /**
     * What follows a posted answer (completing, moving or handing back the task). Once the
     * answer is in Asana, a refusal of the follow-up (no right to complete, the task gone) does
     * not make the answer undelivered: it is logged and the answer stands. A passing failure
     * still fails the report, which is tried again and finds the answer already posted.
     */
    private void followUp(Execution e, AsanaModel.Story answer, Runnable step) {
        try {
            step.run();
        } catch (AsanaException ex) {
            if (!ex.refusedForGood()) {
                throw ex;
            }
            LOG.warn("event=answer_follow_up_refused execution={} task={} story={} status={} error={}", e.id(),
                    e.taskGid(), answer.gid(), ex.status(), ex.getMessage());
        }
    }

    private void afterDone(Execution e) {
        String projectGid = tasks.task(e.taskId()).map(t -> t.project().gid()).orElse(null);
        ProjectSettings.DoneAction action = projectGid == null ? new ProjectSettings.DoneAction.Complete()
                : projects.forProject(projectGid).onDone();
        if (action instanceof ProjectSettings.DoneAction.MoveToSection m) {
                Optional<AsanaModel.Section> section = asana(e).sections(projectGid).stream()
                        .filter(s -> s.name() != null && s.name().trim().equalsIgnoreCase(m.sectionName()))
                        .findFirst();
                if (section.isPresent()) {
                    asana(e).addTaskToSection(section.get().gid(), e.taskGid());
                    // The move answers nothing; the task's state is read back for the mirror.
                    mirror(e, asana(e).task(e.taskGid()));
                } else {
                    LOG.warn("event=done_section_missing execution={} project={} section={}", e.id(), projectGid,
                            m.sectionName());
                }
        } else {
            mirror(e, asana(e).updateTask(e.taskGid(), AsanaModel.TaskUpdate.complete()));
        }
    }

    /**
     * Puts the bot's own change into the mirror at once (the sync engine ignores the bot's
     * events), so that a person's later comment on a task Aegis completed or handed back is not
     * taken for a follow-up. Failing here loses only that shortcut: the answer is already in
     * Asana and the next full sync corrects the row.
     */
    private void mirror(Execution e, AsanaModel.Task task) {
        try {
            mirror.recordOwnChange(task);
        } catch (RuntimeException ex) {
            LOG.warn("event=own_change_not_mirrored execution={} task={} error={}", e.id(), e.taskGid(),
                    ex.getClass().getSimpleName());
        }
    }

    /** Who asked for the work: whoever assigned it, else the last person who commented. */
    private Optional<String> requester(Execution e) {
        String botGid = bots.named(e.bot()).map(Bots.Bot::gid).orElse(null);
        if (e.requestedByGid() != null && !e.requestedByGid().equals(botGid)) {
            return Optional.of(e.requestedByGid());
        }
        List<MirroredTask.Comment> thread = tasks.thread(e.taskId()).comments();
        for (int i = thread.size() - 1; i >= 0; i--) {
            var c = thread.get(i);
            if (!c.fromBot() && c.authorGid() != null && !c.authorGid().equals(botGid)) {
                return Optional.of(c.authorGid());
            }
        }
        try (Stream<AsanaModel.Story> stories = asana(e).stories(e.taskGid())) {
            List<AsanaModel.Story> all = stories.toList();
            for (int i = all.size() - 1; i >= 0; i--) {
                var s = all.get(i);
                boolean asks = s.isComment() || "assigned".equals(s.resourceSubtype());
                if (asks && s.createdBy() != null && s.createdBy().gid() != null
                        && !s.createdBy().gid().equals(botGid)) {
                    return Optional.of(s.createdBy().gid());
                }
            }
        }
        return Optional.empty();
    }

    /** The client of {@code e}'s bot, its writes recorded in the audit trail as made for {@code e}. */
    private AsanaClient asana(Execution e) {
        return bots.clientOf(e.bot()).forExecution(e.id());
    }

    static String body(String text, String marker, long executionId) {
        return trimmed(text, executionId) + "\n\n" + marker;
    }

    private static String trimmed(String text, long executionId) {
        String t = text == null ? "" : text.strip();
        if (t.length() > COMMENT_MAX) {
            t = t.substring(0, COMMENT_MAX) + "\n\n[… trimmed to fit Asana; the full text is in execution "
                    + executionId + "]";
        }
        return t;
    }
}
