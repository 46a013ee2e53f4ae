package aegis.sim;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The simulated Asana workspace, in memory. One lock guards it all: every operation is a few
 * map look-ups, so contention stays far below what a real HTTP round trip costs. Every change,
 * by a person or by the bot, becomes Asana-shaped events for {@code /events} and webhooks.
 */
final class SimStore {
    /** Receives each event with the gids of the resources whose subscribers should see it. */
    interface EventSink {
        void publish(Map<String, Object> event, Set<String> resources);
    }

    static final String PERMALINK = "https://app.asana.com/0/";
    private static final int MAX_EVENTS_PER_CALL = 100;

    private final AtomicLong gids = new AtomicLong(1_207_000_000_000_000L);
    private final EventSink sink;

    private SimOptions options;
    private long epoch;
    private String token;
    private Workspace workspace;
    private User bot;
    private User human;
    private Portfolio portfolio;
    private final Map<String, User> users = new HashMap<>();
    /** Every user's token: the main one is the bot's; {@code POST /_sim/users} adds more. */
    private final Map<String, User> tokens = new HashMap<>();
    private final NavigableMap<Long, Project> projects = new TreeMap<>();
    private final Map<String, Section> sections = new HashMap<>();
    private final Map<String, Task> tasks = new HashMap<>();
    private final Map<String, List<Event>> eventsByResource = new HashMap<>();
    private long eventSeq;

    SimStore(EventSink sink) {
        this.sink = sink;
    }

    // ---- model -------------------------------------------------------------------------------

    record Workspace(String gid, String name) {
    }

    record User(String gid, String name, String email) {
    }

    record Portfolio(String gid, String name, List<Project> items) {
    }

    static final class Project {
        final String gid;
        final String name;
        final String notes;
        final Instant createdAt;
        Instant modifiedAt;
        final NavigableMap<Long, Section> sections = new TreeMap<>();
        final NavigableMap<Long, Task> tasks = new TreeMap<>();
        /** Enum custom fields set up on the project, by gid. */
        final Map<String, EnumField> fields = new LinkedHashMap<>();

        Project(String gid, String name, String notes, Instant at) {
            this.gid = gid;
            this.name = name;
            this.notes = notes;
            this.createdAt = at;
            this.modifiedAt = at;
        }
    }

    record Section(String gid, String name, Project project) {
    }

    /** An enum custom field: its options by gid, in order. */
    record EnumField(String gid, String name, Map<String, String> options) {
    }

    static final class Task {
        final String gid;
        String name;
        String notes;
        boolean completed;
        Instant completedAt;
        User assignee;
        final Task parent;
        final Map<Project, Section> memberships = new LinkedHashMap<>();
        final NavigableMap<Long, Task> subtasks = new TreeMap<>();
        final NavigableMap<Long, Story> stories = new TreeMap<>();
        /** Enum custom field gid to the option gid set on this task. */
        final Map<String, String> enumValues = new LinkedHashMap<>();
        /** Every option name set on an enum field, in order, for tests to follow a field's moves. */
        final List<String> fieldHistory = new ArrayList<>();
        final Instant createdAt;
        Instant modifiedAt;
        boolean deleted;

        Task(String gid, String name, String notes, Task parent, Instant at) {
            this.gid = gid;
            this.name = name;
            this.notes = notes;
            this.parent = parent;
            this.createdAt = at;
            this.modifiedAt = at;
        }
    }

    /**
     * A story; {@code htmlText} is null when it was written as plain text (then derived from the text),
     * else as written (rich text, mentions); {@code edits} counts PUTs.
     */
    record Story(String gid, Task task, String subtype, String type, String text, String htmlText, User createdBy,
                 Instant createdAt, int edits) {
    }

    record Event(long seq, Map<String, Object> json) {
    }

    // ---- reset and world ---------------------------------------------------------------------

    synchronized Map<String, Object> reset(SimOptions o) {
        options = o;
        epoch++;
        users.clear();
        tokens.clear();
        projects.clear();
        sections.clear();
        tasks.clear();
        eventsByResource.clear();
        Instant now = now();
        token = o.token() != null ? o.token() : "sim_" + Long.toHexString(gids.get())
                + Long.toHexString(System.nanoTime() & 0xffffffL) + "_" + epoch;
        workspace = new Workspace(gid(), o.seed().equals("demo") ? "Aegis Demo" : "Workspace");
        bot = user("Aegis Bot", "aegis-bot@example.com");
        tokens.put(token, bot);
        human = user("Dana Person", "dana@example.com");
        boolean demo = o.seed().equals("demo");
        List<Project> created = new ArrayList<>();
        String[] demoNames = {"Website", "Backend", "Docs", "Mobile"};
        String[][] demoTasks = {
            {"Write release notes for 1.2", "Summarise the changes merged since 1.1 in five bullet points."},
            {"Draft a haiku about continuous delivery", "Three lines, 5-7-5."},
            {"Fix typo on pricing page", "'Recieve' should read 'Receive'."},
            {"Plan the Q3 offsite", "Venue, dates, agenda."},
            {"Review onboarding checklist", "Check that every step still applies."},
        };
        for (int p = 0; p < o.projects(); p++) {
            String name = demo && p < demoNames.length ? demoNames[p] : "Project " + (p + 1);
            Project project = new Project(gid(), name, "Tracked by Aegis.", now);
            projects.put(Long.parseLong(project.gid), project);
            Section todo = new Section(gid(), "To do", project);
            Section done = new Section(gid(), "Done", project);
            for (Section s : List.of(todo, done)) {
                project.sections.put(Long.parseLong(s.gid), s);
                sections.put(s.gid, s);
            }
            for (int t = 0; t < o.tasksPerProject(); t++) {
                String tname;
                String notes;
                if (demo && t < demoTasks.length) {
                    tname = demoTasks[t][0] + (p == 0 ? "" : " (" + name + ")");
                    notes = demoTasks[t][1];
                } else {
                    tname = "Task " + (t + 1) + " of " + name;
                    notes = "";
                }
                Task task = new Task(gid(), tname, notes, null, now);
                task.memberships.put(project, todo);
                project.tasks.put(Long.parseLong(task.gid), task);
                tasks.put(task.gid, task);
                if (demo && t < 2) {
                    task.assignee = bot;
                }
            }
            created.add(project);
        }
        portfolio = new Portfolio(gid(), "Aegis portfolio", List.copyOf(created));
        return world();
    }

    private User user(String name, String email) {
        User u = new User(gid(), name, email);
        users.put(u.gid, u);
        return u;
    }

    synchronized Map<String, Object> world() {
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("token", token);
        w.put("workspace", workspace.gid);
        w.put("botUser", bot.gid);
        w.put("humanUser", human.gid);
        w.put("projects", projects.values().stream().map(p -> p.gid).toList());
        w.put("portfolio", portfolio.gid);
        return w;
    }

    synchronized String token() {
        return token;
    }

    /** The user whose token this is; null for an unknown token. */
    synchronized User userOfToken(String t) {
        return tokens.get(t);
    }

    /** {@code POST /_sim/users {"name"}}: a further user with a token of its own (another bot). */
    synchronized Map<String, Object> createUser(Map<String, Object> body) {
        String name = str(body.get("name"));
        if (name == null || name.isBlank()) {
            throw SimError.badRequest("name: Missing input");
        }
        User u = user(name, name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", ".") + "@example.com");
        String t = "sim_user_" + u.gid + "_" + Long.toHexString(System.nanoTime() & 0xffffffL) + "_" + epoch;
        tokens.put(t, u);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("gid", u.gid);
        out.put("token", t);
        return out;
    }

    synchronized SimOptions options() {
        return options;
    }

    String gid() {
        return Long.toString(gids.incrementAndGet());
    }

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    // ---- representations ---------------------------------------------------------------------

    static Map<String, Object> ref(String gid, String type, String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gid", gid);
        m.put("resource_type", type);
        m.put("name", name);
        return m;
    }

    static Map<String, Object> userRef(User u) {
        return u == null ? null : ref(u.gid, "user", u.name);
    }

    private Map<String, Object> workspaceRef() {
        return ref(workspace.gid, "workspace", workspace.name);
    }

    private static Map<String, Object> projectRef(Project p) {
        return ref(p.gid, "project", p.name);
    }

    private static Map<String, Object> sectionRef(Section s) {
        return ref(s.gid, "section", s.name);
    }

    static String html(String text) {
        return "<body>" + escape(text) + "</body>";
    }

    static String escape(String text) {
        String t = text == null ? "" : text;
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private Map<String, Object> userFull(User u) {
        Map<String, Object> m = ref(u.gid, "user", u.name);
        m.put("email", u.email);
        m.put("photo", null);
        m.put("workspaces", List.of(workspaceRef()));
        return m;
    }

    private Map<String, Object> projectFull(Project p) {
        Map<String, Object> m = projectRef(p);
        m.put("archived", false);
        m.put("color", null);
        m.put("completed", false);
        m.put("created_at", p.createdAt.toString());
        m.put("modified_at", p.modifiedAt.toString());
        m.put("default_view", "list");
        m.put("notes", p.notes);
        m.put("html_notes", html(p.notes));
        m.put("public", true);
        m.put("permalink_url", PERMALINK + p.gid);
        m.put("workspace", workspaceRef());
        return m;
    }

    private static Map<String, Object> projectCompact(Project p) {
        return projectRef(p);
    }

    private Map<String, Object> taskFull(Task t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gid", t.gid);
        m.put("resource_type", "task");
        m.put("resource_subtype", "default_task");
        m.put("name", t.name);
        m.put("notes", t.notes);
        m.put("html_notes", html(t.notes));
        m.put("completed", t.completed);
        m.put("completed_at", t.completedAt == null ? null : t.completedAt.toString());
        m.put("due_on", null);
        m.put("due_at", null);
        m.put("start_on", null);
        m.put("assignee", userRef(t.assignee));
        m.put("parent", t.parent == null ? null : ref(t.parent.gid, "task", t.parent.name));
        m.put("tags", List.of());
        m.put("custom_fields", customFields(t));
        m.put("followers", t.assignee == null ? List.of() : List.of(userRef(t.assignee)));
        List<Object> memberships = new ArrayList<>();
        List<Object> projectRefs = new ArrayList<>();
        t.memberships.forEach((p, s) -> {
            Map<String, Object> mem = new LinkedHashMap<>();
            mem.put("project", projectRef(p));
            mem.put("section", s == null ? null : sectionRef(s));
            memberships.add(mem);
            projectRefs.add(projectRef(p));
        });
        m.put("memberships", memberships);
        m.put("projects", projectRefs);
        m.put("num_subtasks", (int) t.subtasks.values().stream().filter(x -> !x.deleted).count());
        m.put("workspace", workspaceRef());
        Project home = t.memberships.keySet().stream().findFirst().orElse(null);
        m.put("permalink_url", PERMALINK + (home == null ? "0" : home.gid) + "/" + t.gid);
        m.put("created_at", t.createdAt.toString());
        m.put("modified_at", t.modifiedAt.toString());
        return m;
    }

    /** The enum fields of the task's projects, with the task's value, as Asana lists them. */
    private static List<Object> customFields(Task t) {
        List<Object> out = new ArrayList<>();
        for (Project p : t.memberships.keySet()) {
            for (EnumField f : p.fields.values()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("gid", f.gid());
                m.put("resource_type", "custom_field");
                m.put("name", f.name());
                m.put("type", "enum");
                m.put("resource_subtype", "enum");
                List<Object> options = new ArrayList<>();
                f.options().forEach((g, n) -> options.add(enumOption(g, n)));
                m.put("enum_options", options);
                String value = t.enumValues.get(f.gid());
                m.put("enum_value", value == null ? null : enumOption(value, f.options().get(value)));
                m.put("display_value", value == null ? null : f.options().get(value));
                out.add(m);
            }
        }
        return out;
    }

    private static Map<String, Object> enumOption(String gid, String name) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("gid", gid);
        o.put("resource_type", "enum_option");
        o.put("name", name);
        o.put("enabled", true);
        o.put("color", "none");
        return o;
    }

    private static Map<String, Object> taskCompact(Task t) {
        Map<String, Object> m = ref(t.gid, "task", t.name);
        m.put("resource_subtype", "default_task");
        return m;
    }

    private static Map<String, Object> storyFull(Story s) {
        Map<String, Object> m = storyCompact(s);
        if ("comment".equals(s.type)) {
            m.put("html_text", s.htmlText != null ? s.htmlText : html(s.text));
            m.put("is_pinned", false);
            m.put("is_edited", s.edits > 0);
        }
        m.put("type", s.type);
        m.put("target", ref(s.task.gid, "task", s.task.name));
        return m;
    }

    private static Map<String, Object> storyCompact(Story s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gid", s.gid);
        m.put("resource_type", "story");
        m.put("created_at", s.createdAt.toString());
        m.put("created_by", userRef(s.createdBy));
        m.put("resource_subtype", s.subtype);
        m.put("text", s.text);
        return m;
    }

    private static Map<String, Object> shape(Map<String, Object> full, OptFields opt) {
        return opt == null ? full : opt.apply(full);
    }

    // ---- paging ------------------------------------------------------------------------------

    /** A response body ready to serialise: {@code data} plus, when paged, {@code next_page}. */
    record Page(List<Map<String, Object>> data, Map<String, Object> nextPage, boolean paged) {
    }

    /** Request parameters of a listing: the path (for next_page), limit and offset as given. */
    record Listing(String path, Map<String, String> query) {
    }

    private <T> Page page(Listing l, NavigableMap<Long, T> source, Predicate<T> keep,
                          Function<T, Map<String, Object>> render) {
        String rawLimit = l.query.get("limit");
        Integer limit = null;
        if (rawLimit != null) {
            try {
                limit = Integer.parseInt(rawLimit);
            } catch (NumberFormatException e) {
                throw SimError.badRequest("limit: Not a valid integer: " + rawLimit);
            }
            if (limit < 1 || limit > 100) {
                throw SimError.badRequest("limit: Must be between 1 and 100, got " + limit);
            }
        }
        long after = -1;
        String offset = l.query.get("offset");
        if (offset != null) {
            after = decodeOffset(l.path, offset);
        }
        NavigableMap<Long, T> rest = after < 0 ? source : source.tailMap(after, false);
        List<Map<String, Object>> data = new ArrayList<>();
        long last = -1;
        boolean more = false;
        for (Map.Entry<Long, T> e : rest.entrySet()) {
            if (!keep.test(e.getValue())) {
                continue;
            }
            if (limit != null && data.size() == limit) {
                more = true;
                break;
            }
            data.add(render.apply(e.getValue()));
            last = e.getKey();
        }
        Map<String, Object> next = null;
        if (more) {
            String token = encodeOffset(l.path, last);
            StringBuilder q = new StringBuilder();
            l.query.forEach((k, v) -> {
                if (!k.equals("offset")) {
                    q.append(q.length() == 0 ? "?" : "&").append(k).append('=').append(v);
                }
            });
            q.append(q.length() == 0 ? "?" : "&").append("offset=").append(token);
            next = new LinkedHashMap<>();
            next.put("offset", token);
            next.put("path", l.path + q);
            next.put("uri", "https://app.asana.com/api/1.0" + l.path + q);
        }
        return new Page(data, next, limit != null);
    }

    private String encodeOffset(String path, long after) {
        String raw = "o|" + path + "|" + after + "|" + System.currentTimeMillis() + "|" + epoch;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    private long decodeOffset(String path, String token) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            String[] parts = raw.split("\\|");
            if (parts.length != 5 || !parts[0].equals("o") || !parts[1].equals(path)
                    || Long.parseLong(parts[4]) != epoch) {
                throw new IllegalArgumentException();
            }
            long issued = Long.parseLong(parts[3]);
            if (System.currentTimeMillis() - issued > options.offsetTtlSeconds() * 1000) {
                throw SimError.badRequest("offset: Your pagination token has expired.");
            }
            return Long.parseLong(parts[2]);
        } catch (IllegalArgumentException e) {
            throw SimError.badRequest("offset: Your pagination token is invalid.");
        }
    }

    /** Pages a listing the simulator keeps outside the store (webhooks). */
    synchronized Page pageOfMaps(Listing l, NavigableMap<Long, Map<String, Object>> source, OptFields opt,
                                 Function<Map<String, Object>, Map<String, Object>> compact) {
        return page(l, source, x -> true, m -> opt == null ? compact.apply(m) : opt.apply(m));
    }

    // ---- the API, as the bot sees it ---------------------------------------------------------

    synchronized Map<String, Object> me(User caller, OptFields opt) {
        return shape(userFull(caller), opt);
    }

    synchronized Map<String, Object> user(User caller, String gid, OptFields opt) {
        User u = "me".equals(gid) ? caller : users.get(gid);
        if (u == null) {
            throw SimError.notFound("user");
        }
        return shape(userFull(u), opt);
    }

    synchronized Page workspaceProjects(String wsGid, Listing l, OptFields opt) {
        if (!workspace.gid.equals(wsGid)) {
            throw SimError.notFound("workspace");
        }
        return page(l, projects, p -> true, p -> opt == null ? projectCompact(p) : opt.apply(projectFull(p)));
    }

    synchronized Page portfolioItems(String gid, Listing l, OptFields opt) {
        if (!portfolio.gid.equals(gid)) {
            throw SimError.notFound("portfolio");
        }
        NavigableMap<Long, Project> items = new TreeMap<>();
        portfolio.items.forEach(p -> items.put(Long.parseLong(p.gid), p));
        return page(l, items, p -> true, p -> opt == null ? projectCompact(p) : opt.apply(projectFull(p)));
    }

    synchronized Map<String, Object> project(String gid, OptFields opt) {
        return shape(projectFull(projectOrThrow(gid)), opt);
    }

    synchronized Page sections(String projectGid, Listing l, OptFields opt) {
        Project p = projectOrThrow(projectGid);
        return page(l, p.sections, s -> true, s -> {
            Map<String, Object> full = sectionRef(s);
            full.put("created_at", p.createdAt.toString());
            full.put("project", projectRef(p));
            return opt == null ? sectionRef(s) : opt.apply(full);
        });
    }

    synchronized Page projectTasks(String projectGid, Listing l, OptFields opt) {
        Project p = projectOrThrow(projectGid);
        Instant since = instantParam(l.query.get("completed_since"), "completed_since");
        return page(l, p.tasks,
                t -> !t.deleted && (since == null || !t.completed
                        || (t.completedAt != null && !t.completedAt.isBefore(since))),
                t -> opt == null ? taskCompact(t) : opt.apply(taskFull(t)));
    }

    synchronized Map<String, Object> task(String gid, OptFields opt) {
        return shape(taskFull(liveTask(gid)), opt);
    }

    synchronized Page subtasks(String gid, Listing l, OptFields opt) {
        Task t = liveTask(gid);
        return page(l, t.subtasks, s -> !s.deleted, s -> opt == null ? taskCompact(s) : opt.apply(taskFull(s)));
    }

    synchronized Page stories(String gid, Listing l, OptFields opt) {
        Task t = liveTask(gid);
        return page(l, t.stories, s -> true, s -> opt == null ? storyCompact(s) : opt.apply(storyFull(s)));
    }

    synchronized Map<String, Object> botComment(User caller, String taskGid, Map<String, Object> data, OptFields opt,
                                                boolean refuseRich) {
        Task t = liveTask(taskGid);
        String[] texts = commentText(data, refuseRich);
        return shape(storyFull(addComment(t, texts[0], texts[1], caller)), opt);
    }

    /**
     * {@code text} or {@code html_text} (one of them, as Asana requires; the rich text validated
     * as Asana does, unless {@code refuseRich}, which refuses it as a fault): [text, html or null].
     */
    private static String[] commentText(Map<String, Object> data, boolean refuseRich) {
        String text = str(data.get("text"));
        String htmlText = str(data.get("html_text"));
        if (text == null && htmlText == null) {
            throw SimError.badRequest("text: Missing input");
        }
        if (text != null && htmlText != null) {
            throw SimError.badRequest("Only one of text and html_text can be specified");
        }
        if (htmlText == null) {
            return new String[] {text, null};
        }
        if (refuseRich) {
            throw SimError.badRequest("html_text: Could not parse the rich text (simulated refusal)");
        }
        return new String[] {SimRichText.validate(htmlText), htmlText};
    }

    /** {@code PUT /stories/{gid}}: the bot edits its own comment. */
    synchronized Map<String, Object> botEditStory(User caller, String storyGid, Map<String, Object> data, OptFields opt,
                                                  boolean refuseRich) {
        Story s = storyOrThrow(storyGid);
        if (!"comment".equals(s.type)) {
            throw SimError.badRequest("Only comment stories can have their text updated");
        }
        if (s.createdBy != caller) {
            throw new SimError(403, "You can only edit your own comments");
        }
        String[] texts = commentText(data, refuseRich);
        Story edited = new Story(s.gid, s.task, s.subtype, s.type, texts[0], texts[1], s.createdBy, s.createdAt,
                s.edits + 1);
        s.task.stories.put(Long.parseLong(s.gid), edited);
        return shape(storyFull(edited), opt);
    }

    synchronized Map<String, Object> story(String storyGid, OptFields opt) {
        return shape(storyFull(storyOrThrow(storyGid)), opt);
    }

    private Story storyOrThrow(String storyGid) {
        long key;
        try {
            key = Long.parseLong(storyGid);
        } catch (NumberFormatException e) {
            throw SimError.badRequest("story_gid: Not a recognized ID: " + storyGid);
        }
        for (Task t : tasks.values()) {
            Story s = t.stories.get(key);
            if (s != null && !t.deleted) {
                return s;
            }
        }
        throw SimError.notFound("story");
    }

    /** A person sets up an enum custom field on a project: {@code {"gid", "options": {name: gid}}}. */
    synchronized Map<String, Object> personAddEnumField(String projectGid, Map<String, Object> body) {
        Project p = projectOrThrow(projectGid);
        String name = str(body.get("name"));
        Object raw = body.get("options");
        if (name == null || !(raw instanceof List<?> names) || names.isEmpty()) {
            throw SimError.badRequest("name and options (a list of names) are required");
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (Object o : names) {
            options.put(gid(), String.valueOf(o));
        }
        EnumField f = new EnumField(gid(), name, options);
        p.fields.put(f.gid(), f);
        Map<String, Object> byName = new LinkedHashMap<>();
        options.forEach((g, n) -> byName.put(n, g));
        return Map.of("gid", f.gid(), "options", byName);
    }

    synchronized Map<String, Object> botUpdate(User caller, String taskGid, Map<String, Object> data, OptFields opt) {
        Task t = liveTask(taskGid);
        applyChange(t, data, caller);
        return shape(taskFull(t), opt);
    }

    synchronized void botAddToSection(User caller, String sectionGid, Map<String, Object> data) {
        Section s = sections.get(sectionGid);
        if (s == null) {
            throw SimError.notFound("section");
        }
        String taskGid = str(data.get("task"));
        if (taskGid == null) {
            throw SimError.badRequest("task: Missing input");
        }
        moveToSection(liveTask(taskGid), s, caller);
    }

    /** {@code GET /events}: a 412 with a fresh token when {@code sync} is absent, foreign or stale. */
    synchronized Map<String, Object> events(String resource, String sync) {
        if (resource == null) {
            throw SimError.badRequest("resource: Missing input");
        }
        if (!projects.containsKey(parseGid(resource)) && !tasks.containsKey(resource)) {
            throw SimError.notFound("resource");
        }
        long position = decodeSync(resource, sync);
        if (position < 0) {
            throw new SimError(412, "Sync token invalid or too old. If you are attempting to keep resources "
                    + "in sync, you must fetch the full dataset for this query now and use the new sync "
                    + "token for the next sync.", encodeSync(resource, eventSeq));
        }
        List<Event> all = eventsByResource.getOrDefault(resource, List.of());
        int from = firstAfter(all, position);
        int to = Math.min(all.size(), from + MAX_EVENTS_PER_CALL);
        List<Map<String, Object>> data = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            data.add(all.get(i).json);
        }
        boolean more = to < all.size();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", data);
        // With nothing left, everything up to the newest event anywhere has been seen.
        body.put("sync", encodeSync(resource, more ? all.get(to - 1).seq : eventSeq));
        body.put("has_more", more);
        return body;
    }

    private static int firstAfter(List<Event> all, long position) {
        int lo = 0;
        int hi = all.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (all.get(mid).seq <= position) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private String encodeSync(String resource, long position) {
        String raw = "s|" + resource + "|" + position + "|" + System.currentTimeMillis() + "|" + epoch;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** The event position the token stands for, or -1 when it is missing, foreign or expired. */
    private long decodeSync(String resource, String sync) {
        if (sync == null || sync.isBlank()) {
            return -1;
        }
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(sync), StandardCharsets.UTF_8).split("\\|");
            if (parts.length != 5 || !parts[0].equals("s") || !parts[1].equals(resource)
                    || Long.parseLong(parts[4]) != epoch) {
                return -1;
            }
            if (System.currentTimeMillis() - Long.parseLong(parts[3]) > options.syncTokenTtlSeconds() * 1000) {
                return -1;
            }
            return Long.parseLong(parts[2]);
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    /** Makes every sync token and paging offset issued so far stale, as if a long time passed. */
    synchronized void expireTokens() {
        epoch++;
    }

    /** The name and type of a resource a webhook may watch, or null when unknown. */
    synchronized Map<String, Object> resourceRef(String gid) {
        Project p = projects.get(parseGid(gid));
        if (p != null) {
            return projectRef(p);
        }
        Task t = tasks.get(gid);
        if (t != null && !t.deleted) {
            return ref(t.gid, "task", t.name);
        }
        if (portfolio != null && portfolio.gid.equals(gid)) {
            return ref(gid, "portfolio", portfolio.name);
        }
        if (workspace != null && workspace.gid.equals(gid)) {
            return workspaceRef();
        }
        return null;
    }

    synchronized String workspaceGid() {
        return workspace.gid;
    }

    // ---- a person's actions (control API) ----------------------------------------------------

    synchronized Map<String, Object> personCreateTask(Map<String, Object> body) {
        User author = author(body);
        String parentGid = str(body.get("parent"));
        String projectGid = str(body.get("project"));
        Task parent = parentGid == null ? null : liveTask(parentGid);
        if (parent == null && projectGid == null) {
            throw SimError.badRequest("project: Missing input");
        }
        Project project = projectGid == null ? null : projectOrThrow(projectGid);
        String name = str(body.get("name"));
        Task t = new Task(gid(), name == null ? "Untitled" : name, nz(str(body.get("notes"))), parent, now());
        tasks.put(t.gid, t);
        if (project != null) {
            Section section = str(body.get("section")) != null ? sectionIn(project, str(body.get("section")))
                    : project.sections.firstEntry() == null ? null : project.sections.firstEntry().getValue();
            t.memberships.put(project, section);
            project.tasks.put(Long.parseLong(t.gid), t);
            emit("added", taskResource(t), projectRef(project), author, null, recipients(t));
            if (section != null) {
                emit("added", taskResource(t), sectionRef(section), author, null, recipients(t));
            }
        }
        if (parent != null) {
            parent.subtasks.put(Long.parseLong(t.gid), t);
            Set<String> r = recipients(t);
            r.addAll(recipients(parent));
            emit("added", taskResource(t), ref(parent.gid, "task", parent.name), author, null, r);
        }
        String assignee = str(body.get("assignee"));
        if (assignee != null) {
            Map<String, Object> change = new LinkedHashMap<>();
            change.put("assignee", assignee);
            applyChange(t, change, author);
        }
        return taskFull(t);
    }

    synchronized Map<String, Object> personChangeTask(String gid, Map<String, Object> body) {
        Task t = liveTask(gid);
        User author = author(body);
        applyChange(t, body, author);
        if (str(body.get("section")) != null) {
            Section s = sections.get(str(body.get("section")));
            if (s == null) {
                throw SimError.notFound("section");
            }
            moveToSection(t, s, author);
        }
        return taskFull(t);
    }

    synchronized Map<String, Object> personComment(String gid, Map<String, Object> body) {
        Task t = liveTask(gid);
        String text = str(body.get("text"));
        if (text == null) {
            throw SimError.badRequest("text: Missing input");
        }
        List<User> mentioned = new ArrayList<>();
        if (body.get("mentions") instanceof List<?> gids) {
            for (Object g : gids) {
                User u = users.get(str(g));
                if (u == null) {
                    throw SimError.badRequest("mentions: Not a recognized ID: " + g);
                }
                mentioned.add(u);
            }
        } else if (body.get("mentions") != null) {
            throw SimError.badRequest("mentions: must be a list of user gids");
        }
        if (mentioned.isEmpty()) {
            return storyFull(addComment(t, text, null, author(body)));
        }
        // As Asana renders a mention: the plain text holds the name, html_text a link carrying the user's gid.
        StringBuilder plain = new StringBuilder();
        StringBuilder rich = new StringBuilder("<body>");
        for (User u : mentioned) {
            plain.append('@').append(u.name).append(' ');
            rich.append("<a href=\"https://app.asana.com/0/profile/").append(u.gid).append("\" data-asana-gid=\"")
                    .append(u.gid).append("\" data-asana-accessible=\"true\" data-asana-type=\"user\" ")
                    .append("data-asana-dynamic=\"true\">@").append(escape(u.name)).append("</a> ");
        }
        plain.append(text);
        rich.append(escape(text)).append("</body>");
        return storyFull(addComment(t, plain.toString(), rich.toString(), author(body)));
    }

    synchronized Map<String, Object> personDeleteTask(String gid, Map<String, Object> body) {
        Task t = liveTask(gid);
        t.deleted = true;
        t.modifiedAt = now();
        emit("deleted", taskResource(t), null, author(body), null, recipients(t));
        return taskFull(t);
    }

    synchronized Map<String, Object> personUndeleteTask(String gid, Map<String, Object> body) {
        Task t = tasks.get(gid);
        if (t == null || !t.deleted) {
            throw SimError.notFound("task");
        }
        t.deleted = false;
        t.modifiedAt = now();
        emit("undeleted", taskResource(t), null, author(body), null, recipients(t));
        return taskFull(t);
    }

    /** Every story of a task, the bot's comments included; deleted tasks too. */
    synchronized List<Map<String, Object>> allStories(String gid) {
        Task t = tasks.get(gid);
        if (t == null) {
            throw SimError.notFound("task");
        }
        return t.stories.values().stream().map(st -> {
            Map<String, Object> m = storyFull(st);
            m.put("edits", st.edits);
            return m;
        }).toList();
    }

    /** Every option name set on the task's enum fields, in order. */
    synchronized List<String> fieldHistory(String gid) {
        Task t = tasks.get(gid);
        if (t == null) {
            throw SimError.notFound("task");
        }
        return List.copyOf(t.fieldHistory);
    }

    /** Every task of every project (and every subtask) with all stored fields, deleted ones flagged. */
    synchronized Map<String, Object> dump() {
        List<Object> ps = new ArrayList<>();
        for (Project p : projects.values()) {
            Map<String, Object> pm = projectFull(p);
            pm.put("sections", p.sections.values().stream().map(SimStore::sectionRef).toList());
            pm.put("tasks", p.tasks.values().stream().map(this::dumpTask).toList());
            ps.add(pm);
        }
        List<Object> subtasks = tasks.values().stream().filter(t -> t.parent != null)
                .sorted((a, b) -> Long.compare(Long.parseLong(a.gid), Long.parseLong(b.gid)))
                .map(t -> (Object) dumpTask(t)).toList();
        Map<String, Object> out = new LinkedHashMap<>(world());
        out.remove("token");
        out.put("projects", ps);
        out.put("subtasks", subtasks);
        return out;
    }

    private Map<String, Object> dumpTask(Task t) {
        Map<String, Object> m = taskFull(t);
        m.put("deleted", t.deleted);
        m.put("custom_field_history", List.copyOf(t.fieldHistory));
        m.put("comments", t.stories.values().stream().filter(s -> "comment".equals(s.type))
                .map(SimStore::storyFull).toList());
        return m;
    }

    // ---- changes and their events ------------------------------------------------------------

    private void applyChange(Task t, Map<String, Object> data, User author) {
        Instant now = now();
        if (data.containsKey("assignee")) {
            String a = str(data.get("assignee"));
            User next = a == null ? null : "me".equals(a) ? author : users.get(a);
            if (a != null && next == null) {
                throw SimError.badRequest("assignee: Not a recognized ID: " + a);
            }
            if (next != t.assignee) {
                t.assignee = next;
                t.modifiedAt = now;
                emitChange(t, "assignee", next == null ? null : userRef(next), author);
                systemStory(t, next == null ? "unassigned" : "assigned",
                        next == null ? author.name + " unassigned this task"
                                : author.name + " assigned to " + next.name, author);
            }
        }
        if (data.containsKey("completed") && data.get("completed") != null) {
            boolean c = Boolean.parseBoolean(String.valueOf(data.get("completed")));
            if (c != t.completed) {
                t.completed = c;
                t.completedAt = c ? now : null;
                t.modifiedAt = now;
                emitChange(t, "completed", c, author);
                systemStory(t, c ? "marked_complete" : "marked_incomplete",
                        author.name + (c ? " completed this task" : " marked this task incomplete"), author);
            }
        }
        if (data.get("name") != null && !data.get("name").equals(t.name)) {
            t.name = String.valueOf(data.get("name"));
            t.modifiedAt = now;
            emitChange(t, "name", t.name, author);
        }
        if (data.get("custom_fields") instanceof Map<?, ?> values) {
            setCustomFields(t, values, author);
        }
        String notes = data.get("notes") != null ? String.valueOf(data.get("notes"))
                : data.get("html_notes") != null ? String.valueOf(data.get("html_notes")).replaceAll("<[^>]+>", "")
                : null;
        if (notes != null && !notes.equals(t.notes)) {
            t.notes = notes;
            t.modifiedAt = now;
            emitChange(t, "notes", null, author);
        }
    }

    /** {@code custom_fields: {field gid: enum option gid}}; only the task's projects' enum fields. */
    private void setCustomFields(Task t, Map<?, ?> values, User author) {
        values.forEach((k, v) -> {
            String fieldGid = String.valueOf(k);
            EnumField f = t.memberships.keySet().stream().map(p -> p.fields.get(fieldGid))
                    .filter(java.util.Objects::nonNull).findFirst()
                    .orElseThrow(() -> SimError.badRequest("custom_fields: Custom field with ID " + fieldGid
                            + " is not on given object"));
            String option = v == null ? null : String.valueOf(v);
            if (option != null && !f.options().containsKey(option)) {
                throw SimError.badRequest("custom_fields: enum option " + option + " is not an option of "
                        + fieldGid);
            }
            if (java.util.Objects.equals(option, t.enumValues.get(fieldGid))) {
                return;
            }
            if (option == null) {
                t.enumValues.remove(fieldGid);
            } else {
                t.enumValues.put(fieldGid, option);
            }
            t.fieldHistory.add(option == null ? "(none)" : f.options().get(option));
            t.modifiedAt = now();
            emitChange(t, "custom_fields", null, author);
        });
    }

    private void moveToSection(Task t, Section s, User author) {
        Project p = s.project;
        Section before = t.memberships.get(p);
        if (!t.memberships.containsKey(p)) {
            t.memberships.put(p, s);
            p.tasks.put(Long.parseLong(t.gid), t);
            emit("added", taskResource(t), projectRef(p), author, null, recipients(t));
        } else if (before == s) {
            return;
        }
        t.memberships.put(p, s);
        t.modifiedAt = now();
        if (before != null) {
            emit("removed", taskResource(t), sectionRef(before), author, null, recipients(t));
        }
        emit("added", taskResource(t), sectionRef(s), author, null, recipients(t));
        systemStory(t, "section_changed", author.name + " moved this task from \""
                + (before == null ? "" : before.name) + "\" to \"" + s.name + "\" in " + p.name, author);
    }

    private Story addComment(Task t, String text, User author) {
        return addComment(t, text, null, author);
    }

    private Story addComment(Task t, String text, String htmlText, User author) {
        Story s = new Story(gid(), t, "comment_added", "comment", text, htmlText, author, now(), 0);
        t.stories.put(Long.parseLong(s.gid), s);
        emit("added", storyResource(s), ref(t.gid, "task", t.name), author, null, recipients(t));
        return s;
    }

    private void systemStory(Task t, String subtype, String text, User author) {
        Story s = new Story(gid(), t, subtype, "system", text, null, author, now(), 0);
        t.stories.put(Long.parseLong(s.gid), s);
        emit("added", storyResource(s), ref(t.gid, "task", t.name), author, null, recipients(t));
    }

    private void emitChange(Task t, String field, Object newValue, User author) {
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("field", field);
        change.put("action", "changed");
        if (newValue != null) {
            change.put("new_value", newValue);
        }
        emit("changed", taskResource(t), null, author, change, recipients(t));
    }

    private static Map<String, Object> taskResource(Task t) {
        Map<String, Object> m = ref(t.gid, "task", t.name);
        m.put("resource_subtype", "default_task");
        return m;
    }

    private static Map<String, Object> storyResource(Story s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gid", s.gid);
        m.put("resource_type", "story");
        m.put("resource_subtype", s.subtype);
        return m;
    }

    private Set<String> recipients(Task t) {
        Set<String> r = new LinkedHashSet<>();
        r.add(t.gid);
        t.memberships.keySet().forEach(p -> r.add(p.gid));
        if (t.parent != null) {
            r.add(t.parent.gid);
        }
        return r;
    }

    private void emit(String action, Map<String, Object> resource, Map<String, Object> parent, User user,
                      Map<String, Object> change, Collection<String> to) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("user", userRef(user));
        e.put("created_at", now().toString());
        e.put("action", action);
        e.put("resource", resource);
        if (parent != null) {
            // Asana's schema has no null parent: events other than added/removed leave it out.
            e.put("parent", parent);
        }
        if (change != null) {
            e.put("change", change);
        }
        e.put("type", resource.get("resource_type"));
        Event ev = new Event(++eventSeq, e);
        Set<String> set = new LinkedHashSet<>(to);
        for (String r : set) {
            eventsByResource.computeIfAbsent(r, k -> new ArrayList<>()).add(ev);
        }
        sink.publish(e, set);
    }

    // ---- helpers -----------------------------------------------------------------------------

    private User author(Map<String, Object> body) {
        String a = str(body.get("author"));
        if (a == null) {
            return human;
        }
        User u = users.get(a);
        if (u == null) {
            throw SimError.badRequest("author: Not a recognized ID: " + a);
        }
        return u;
    }

    private Project projectOrThrow(String gid) {
        Project p = projects.get(parseGid(gid));
        if (p == null) {
            throw SimError.notFound("project");
        }
        return p;
    }

    private Section sectionIn(Project p, String gid) {
        Section s = sections.get(gid);
        if (s == null || s.project != p) {
            throw SimError.notFound("section");
        }
        return s;
    }

    private Task liveTask(String gid) {
        Task t = tasks.get(gid);
        if (t == null || t.deleted) {
            throw SimError.notFound("task");
        }
        return t;
    }

    private static long parseGid(String gid) {
        try {
            return Long.parseLong(gid);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Instant instantParam(String raw, String name) {
        if (raw == null) {
            return null;
        }
        if (raw.equals("now")) {
            return Instant.now();
        }
        try {
            return Instant.parse(raw);
        } catch (DateTimeParseException e) {
            try {
                return java.time.LocalDate.parse(raw).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException e2) {
                throw SimError.badRequest(name + ": Not a valid date-time: " + raw);
            }
        }
    }

    static String str(Object v) {
        return v == null ? null : String.valueOf(v);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
