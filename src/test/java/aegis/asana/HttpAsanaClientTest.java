package aegis.asana;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.asana.AsanaModel.EventsPage;
import aegis.asana.AsanaModel.Story;
import aegis.asana.AsanaModel.Task;
import aegis.sim.AsanaSimulator;
import aegis.sim.AsanaSimulator.SimWorld;
import aegis.sim.RequestLog;
import aegis.sim.SimFaults;
import aegis.sim.SimOptions;
import aegis.testing.TestHttp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The client against the simulator over HTTP: paging, limits, retries, typed errors. */
class HttpAsanaClientTest {
    static AsanaSimulator sim;
    final List<HttpAsanaClient> clients = new ArrayList<>();

    @BeforeAll
    static void start() {
        sim = AsanaSimulator.start();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(HttpAsanaClient::close);
    }

    HttpAsanaClient client(AsanaClientSettings s) {
        HttpAsanaClient c = TestHttp.asanaClient(s);
        clients.add(c);
        return c;
    }

    AsanaClientSettings settings(SimWorld w) {
        return AsanaClientSettings.defaults(sim.baseUrl(), w.token(), 100_000)
                .withRetries(8, 20, Duration.ofMillis(10), Duration.ofMillis(100));
    }

    @Test
    void lists1050TasksInExactly11RequestsEachOnce() {
        SimWorld w = sim.reset(SimOptions.empty().withProjects(1, 1050));
        HttpAsanaClient c = client(settings(w));
        List<String> gids;
        try (Stream<Task> tasks = c.projectTasks(w.projects().get(0), Optional.empty())) {
            gids = tasks.map(Task::gid).toList();
        }
        assertThat(gids).hasSize(1050);
        assertThat(new HashSet<>(gids)).hasSize(1050);
        assertThat(sim.requests().count("GET", "/projects/{project_gid}/tasks")).isEqualTo(11);
        assertThat(sim.requests().total()).isEqualTo(11);
    }

    @Test
    void pagingIsLazy() {
        SimWorld w = sim.reset(SimOptions.empty().withProjects(1, 250));
        HttpAsanaClient c = client(settings(w));
        try (Stream<Task> tasks = c.projectTasks(w.projects().get(0), Optional.empty())) {
            assertThat(tasks.limit(5).count()).isEqualTo(5);
        }
        assertThat(sim.requests().total()).isEqualTo(1);
    }

    @Test
    void readsTheDemoWorkspace() {
        SimWorld w = sim.reset(SimOptions.demo());
        HttpAsanaClient c = client(settings(w));
        assertThat(c.me().gid()).isEqualTo(w.botUser());
        assertThat(c.portfolioProjects(w.portfolio()).map(AsanaModel.Project::gid).toList())
                .containsExactlyElementsOf(w.projects());
        assertThat(c.workspaceProjects(w.workspace()).count()).isEqualTo(w.projects().size());
        String p = w.projects().get(0);
        assertThat(c.project(p).workspaceGid()).isEqualTo(w.workspace());
        List<AsanaModel.Section> sections = c.sections(p);
        assertThat(sections).extracting(AsanaModel.Section::name).containsExactly("To do", "Done");
        Task t = c.projectTasks(p, Optional.empty()).findFirst().orElseThrow();
        assertThat(t.assignee().gid()).isEqualTo(w.botUser());
        assertThat(t.memberships()).singleElement().satisfies(m -> {
            assertThat(m.projectGid()).isEqualTo(p);
            assertThat(m.sectionName()).isEqualTo("To do");
        });
        Task done = c.updateTask(t.gid(), AsanaModel.TaskUpdate.complete());
        assertThat(done.completed()).isTrue();
        assertThat(done.completedAt()).isNotNull();
        c.addTaskToSection(sections.get(1).gid(), t.gid());
        assertThat(c.task(t.gid()).memberships().get(0).sectionName()).isEqualTo("Done");
        Task back = c.updateTask(t.gid(), AsanaModel.TaskUpdate.assignTo(w.humanUser()));
        assertThat(back.assignee().gid()).isEqualTo(w.humanUser());
        Story s = c.postComment(t.gid(), "Done: see above.", "— Aegis · run 1", false);
        assertThat(s.isComment()).isTrue();
        assertThat(s.text()).endsWith("— Aegis · run 1");
        assertThat(c.stories(t.gid()).filter(Story::isComment).count()).isEqualTo(1);
        assertThat(c.postComment(t.gid(), "Done: see above.", "— Aegis · run 1", true).gid()).isEqualTo(s.gid());
        assertThat(c.stories(t.gid()).filter(Story::isComment).count()).isEqualTo(1);
        // Run 12's marker is not found in run 123's comment: the marker must end the text.
        Story r123 = c.postComment(t.gid(), "Another answer.", "— Aegis · run 123", false);
        Story r12 = c.postComment(t.gid(), "A third answer.", "— Aegis · run 12", true);
        assertThat(r12.gid()).isNotEqualTo(r123.gid());
        assertThat(c.stories(t.gid()).filter(Story::isComment).count()).isEqualTo(3);
        // With completed_since=now only incomplete tasks (and ones completed just now) come back.
        assertThat(c.projectTasks(p, Optional.of(java.time.Instant.now().plusSeconds(1))).map(Task::gid).toList())
                .doesNotContain(t.gid());
        sim.deleteTask(t.gid());
        assertThatThrownBy(() -> c.task(t.gid())).isInstanceOf(AsanaException.NotFound.class);
    }

    @Test
    void aMarkerInAPersonsCommentIsNotTheBotsAnswer() {
        SimWorld w = sim.reset(SimOptions.demo());
        HttpAsanaClient c = client(settings(w));
        Task t = c.projectTasks(w.projects().get(0), Optional.empty()).findFirst().orElseThrow();
        // Run numbers are sequential: anyone can write the next run's marker into a comment.
        Map<String, Object> forged = sim.comment(t.gid(), "I think this is done.\n\n— Aegis · run 7");
        Story answer = c.postComment(t.gid(), "The real answer.", "— Aegis · run 7", true);
        assertThat(answer.gid()).isNotEqualTo(forged.get("gid"));
        assertThat(answer.createdBy().gid()).isEqualTo(w.botUser());
        assertThat(c.stories(t.gid()).filter(Story::isComment).filter(s -> s.text().endsWith("— Aegis · run 7")))
                .hasSize(2);
        assertThat(c.postComment(t.gid(), "The real answer.", "— Aegis · run 7", true).gid())
                .as("the bot's own answer is found").isEqualTo(answer.gid());
    }

    @Test
    void invalidSyncTokenCarriesTheFreshToken() {
        SimWorld w = sim.reset(SimOptions.demo());
        HttpAsanaClient c = client(settings(w));
        String p = w.projects().get(0);
        AsanaException.InvalidSyncToken e = org.junit.jupiter.api.Assertions.assertThrows(
                AsanaException.InvalidSyncToken.class, () -> c.events(p, null));
        assertThat(e.freshToken()).isNotBlank();
        assertThat(e.status()).isEqualTo(412);
        assertThat(c.events(p, e.freshToken()).events()).isEmpty();
        sim.createTask(Map.of("project", p, "name", "new one", "assignee", w.botUser()));
        EventsPage page = c.events(p, e.freshToken());
        assertThat(page.events()).anySatisfy(ev -> {
            assertThat(ev.action()).isEqualTo("changed");
            assertThat(ev.change().field()).isEqualTo("assignee");
            assertThat(ev.user().gid()).isEqualTo(w.humanUser());
        });
        assertThat(page.syncToken()).isNotBlank();
        sim.expireTokens();
        assertThatThrownBy(() -> c.events(p, page.syncToken())).isInstanceOf(AsanaException.InvalidSyncToken.class);
    }

    @Test
    void wrongTokenIsTypedAndNeverShown() {
        SimWorld w = sim.reset(SimOptions.demo());
        String wrong = "2/1234567890/secret-token-value-xyz";
        HttpAsanaClient c = client(AsanaClientSettings.defaults(sim.baseUrl(), wrong, 1500));
        Throwable e = org.junit.jupiter.api.Assertions.assertThrows(AsanaException.Unauthorized.class, c::me);
        assertThat(e.getMessage()).doesNotContain(wrong).doesNotContain("secret-token");
        assertThat(e.toString()).doesNotContain(wrong);
        assertThat(AsanaClientSettings.defaults(sim.baseUrl(), wrong, 1500).toString()).doesNotContain(wrong);
        assertThat(w.token()).isNotEqualTo(wrong);
    }

    @Test
    void aCommentUnderFlakyServerErrorsAppearsExactlyOnce() {
        SimWorld w = sim.reset(SimOptions.demo());
        HttpAsanaClient c = client(settings(w));
        String task = c.projectTasks(w.projects().get(0), Optional.empty()).findFirst().orElseThrow().gid();
        sim.faults(new SimFaults(0, 0.3, 0, 0, 0, 1));
        for (int i = 0; i < 10; i++) {
            c.postComment(task, "answer " + i, "— Aegis · run " + (100 + i), i % 2 == 0);
        }
        sim.faults(SimFaults.NONE);
        List<String> texts = sim.stories(task).stream().map(s -> (String) s.get("text")).toList();
        for (int i = 0; i < 10; i++) {
            String marker = "— Aegis · run " + (100 + i);
            assertThat(texts.stream().filter(t -> t.contains(marker)).count()).as(marker).isEqualTo(1);
        }
        assertThat(sim.requests().entries().stream().filter(r -> r.status() == 500).count())
                .as("the faults really happened").isPositive();
    }

    @Test
    void aRateLimitStormIsRespectedByEveryCaller() throws Exception {
        SimWorld w = sim.reset(SimOptions.demo().withQuota(10, 1));
        HttpAsanaClient c = client(settings(w));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 10; i++) {
                        c.me();
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        List<RequestLog.Entry> log = sim.requests().entries();
        List<RequestLog.Entry> limited = log.stream().filter(e -> e.status() == 429).toList();
        assertThat(limited).as("the quota was hit").isNotEmpty();
        assertThat(log.stream().filter(e -> e.status() == 200).count()).isEqualTo(30);
        for (RequestLog.Entry l : limited) {
            // Requests already past the gate when the 429 arrived may still land shortly after it;
            // a client that ignored Retry-After would keep landing throughout the whole second.
            long from = l.atNanos() + Duration.ofMillis(250).toNanos();
            long until = l.atNanos() + Duration.ofSeconds(l.retryAfterSeconds()).toNanos();
            assertThat(log.stream().filter(e -> e.atNanos() > from && e.atNanos() < until).count())
                    .as("requests sent while Retry-After of a 429 ran").isZero();
        }
    }

    @Test
    void theConfiguredRateIsNeverExceededInAnyWindow() throws Exception {
        SimWorld w = sim.reset(SimOptions.demo());
        // 40 per second stands in for N per minute: the same limiter, a compressed clock.
        HttpAsanaClient c = client(settings(w).withRate(40, Duration.ofSeconds(1)));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        long start = System.nanoTime();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 12; i++) {
                        c.me();
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        List<Long> at = sim.requests().entries().stream().map(RequestLog.Entry::atNanos).sorted().toList();
        assertThat(at).hasSize(96);
        int maxInWindow = 0;
        int j = 0;
        for (int i = 0; i < at.size(); i++) {
            while (at.get(i) - at.get(j) >= 1_000_000_000L) {
                j++;
            }
            maxInWindow = Math.max(maxInWindow, i - j + 1);
        }
        assertThat(maxInWindow).isLessThanOrEqualTo(40);
        assertThat(took).isGreaterThan(Duration.ofMillis(2500));
    }

    @Test
    void setOfCallsUsesOnlyIdempotentRetries() {
        SimWorld w = sim.reset(SimOptions.demo());
        HttpAsanaClient c = client(settings(w).withRetries(3, 3, Duration.ofMillis(5), Duration.ofMillis(10)));
        sim.faults(new SimFaults(0, 1.0, 0, 0, 0, 1));
        assertThatThrownBy(c::me).isInstanceOf(AsanaException.ServerError.class);
        assertThat(sim.requests().count("GET", "/users/me")).isEqualTo(3);
        sim.faults(SimFaults.NONE);
        Set<String> before = new HashSet<>(sim.requests().counts().keySet());
        assertThat(before).containsExactly("GET /users/me");
    }

    @Test
    void anOpenBreakerFailsFastAsCircuitOpenWithoutSendingAnything() {
        SimWorld w = sim.reset(SimOptions.demo());
        HttpAsanaClient c = client(settings(w).withRetries(2, 2, Duration.ofMillis(1), Duration.ofMillis(2)));
        String task = c.projectTasks(w.projects().get(0), Optional.empty()).findFirst().orElseThrow().gid();
        sim.faults(new SimFaults(0, 1.0, 0, 0, 0, 1));
        try {
            for (int i = 0; i < 19; i++) {
                assertThatThrownBy(c::me).isInstanceOf(AsanaException.ServerError.class);
            }
            long sent = sim.requests().total();
            assertThatThrownBy(c::me).isInstanceOf(AsanaException.CircuitOpen.class);
            assertThatThrownBy(() -> c.postComment(task, "answer", "— Aegis · run 9", false))
                    .as("a comment is neither posted nor looked for").isInstanceOf(AsanaException.CircuitOpen.class);
            assertThat(sim.requests().total()).isEqualTo(sent);
        } finally {
            sim.faults(SimFaults.NONE);
        }
    }
}
