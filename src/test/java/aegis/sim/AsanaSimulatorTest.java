package aegis.sim;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.sim.AsanaSimulator.SimWorld;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AsanaSimulatorTest {
    static AsanaSimulator sim;
    SimWorld world;
    SimHttp api;
    SimHttp control;

    @BeforeAll
    static void start() {
        sim = AsanaSimulator.start();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void fresh() {
        world = sim.reset(SimOptions.demo());
        api = new SimHttp(sim.rootUrl(), world.token());
        control = new SimHttp(sim.rootUrl(), null);
    }

    @Test
    void demoSeedHasTheWorldTheContractPromises() {
        assertThat(world.projects()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(world.portfolio()).isNotBlank();
        JsonNode me = api.get("/api/1.0/users/me").body().get("data");
        assertThat(me.get("gid").asText()).isEqualTo(world.botUser());
        assertThat(me.get("resource_type").asText()).isEqualTo("user");
        JsonNode items = api.get("/api/1.0/portfolios/" + world.portfolio() + "/items").body().get("data");
        assertThat(items).hasSize(world.projects().size());
        JsonNode sections = api.get("/api/1.0/projects/" + world.projects().get(0) + "/sections").body().get("data");
        assertThat(sections.findValuesAsText("name")).containsExactly("To do", "Done");
        int botTasks = 0;
        for (String p : world.projects()) {
            JsonNode tasks = api.get("/api/1.0/projects/" + p + "/tasks?opt_fields=assignee").body().get("data");
            for (JsonNode t : tasks) {
                if (!t.get("assignee").isNull() && t.get("assignee").get("gid").asText().equals(world.botUser())) {
                    botTasks++;
                }
            }
        }
        assertThat(botTasks).isGreaterThanOrEqualTo(3);
    }

    @Test
    void wrongTokenIs401WithAsanaErrorEnvelope() {
        SimHttp.Answer a = new SimHttp(sim.rootUrl(), "nope").get("/api/1.0/users/me");
        assertThat(a.status()).isEqualTo(401);
        assertThat(a.body().get("errors").get(0).get("message").asText()).isNotBlank();
        assertThat(new SimHttp(sim.rootUrl(), null).get("/api/1.0/users/me").status()).isEqualTo(401);
    }

    @Test
    void pagingUsesOpaqueOffsetsAndRejectsBadLimits() {
        String p = world.projects().get(0);
        List<String> seen = new ArrayList<>();
        String path = "/api/1.0/projects/" + p + "/tasks?limit=3";
        int calls = 0;
        while (path != null) {
            JsonNode body = api.get(path).body();
            calls++;
            body.get("data").forEach(t -> seen.add(t.get("gid").asText()));
            JsonNode next = body.get("next_page");
            assertThat(body.has("next_page")).isTrue();
            path = next.isNull() ? null : "/api/1.0" + next.get("path").asText();
            if (!next.isNull()) {
                assertThat(next.get("offset").asText()).doesNotContain(seen.get(seen.size() - 1));
                assertThat(next.get("uri").asText()).startsWith("https://app.asana.com/api/1.0/projects/");
            }
        }
        assertThat(seen).hasSize(4).doesNotHaveDuplicates();
        assertThat(calls).isEqualTo(2);
        assertThat(api.get("/api/1.0/projects/" + p + "/tasks?limit=0").status()).isEqualTo(400);
        assertThat(api.get("/api/1.0/projects/" + p + "/tasks?limit=101").status()).isEqualTo(400);
        assertThat(api.get("/api/1.0/projects/" + p + "/tasks?limit=2&offset=garbage").status()).isEqualTo(400);
    }

    @Test
    void offsetsExpire() throws Exception {
        world = sim.reset(SimOptions.demo().withTtls(86_400, 0));
        api = new SimHttp(sim.rootUrl(), world.token());
        String p = world.projects().get(0);
        JsonNode next = api.get("/api/1.0/projects/" + p + "/tasks?limit=1").body().get("next_page");
        Thread.sleep(5);
        SimHttp.Answer a = api.get("/api/1.0" + next.get("path").asText());
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.body().get("errors").get(0).get("message").asText()).contains("expired");
    }

    @Test
    void optFieldsReturnOnlyWhatWasAsked() {
        String p = world.projects().get(0);
        JsonNode t = api.get("/api/1.0/projects/" + p + "/tasks?opt_fields=name,assignee.name,memberships.section.name")
                .body().get("data").get(0);
        List<String> names = new ArrayList<>();
        t.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("gid", "resource_type", "name", "assignee", "memberships");
        assertThat(t.get("memberships").get(0).get("section").get("name").asText()).isEqualTo("To do");
        assertThat(t.get("memberships").get(0).has("project")).isFalse();
        JsonNode full = api.get("/api/1.0/tasks/" + t.get("gid").asText()).body().get("data");
        assertThat(full.has("notes")).isTrue();
        assertThat(full.has("modified_at")).isTrue();
    }

    @Test
    void eventsStartWith412ThenCarryChangesByPeopleAndBot() {
        String p = world.projects().get(0);
        SimHttp.Answer first = api.get("/api/1.0/events?resource=" + p);
        assertThat(first.status()).isEqualTo(412);
        String sync = first.body().get("sync").asText();
        assertThat(first.body().get("errors")).isNotEmpty();

        Map<String, Object> task = sim.createTask(Map.of("project", p, "name", "New", "assignee", world.botUser()));
        String gid = (String) task.get("gid");
        api.send("PUT", "/api/1.0/tasks/" + gid, Map.of("data", Map.of("completed", true)));

        JsonNode page = api.get("/api/1.0/events?resource=" + p + "&sync=" + sync).body();
        assertThat(page.get("has_more").asBoolean()).isFalse();
        List<String> actions = new ArrayList<>();
        for (JsonNode e : page.get("data")) {
            actions.add(e.get("action").asText() + ":" + e.get("resource").get("resource_type").asText()
                    + ":" + (e.has("change") ? e.get("change").get("field").asText() : "")
                    + ":" + e.get("user").get("gid").asText());
        }
        assertThat(actions).contains("added:task::" + world.humanUser(),
                "changed:task:assignee:" + world.humanUser(),
                "changed:task:completed:" + world.botUser());
        JsonNode again = api.get("/api/1.0/events?resource=" + p + "&sync=" + page.get("sync").asText()).body();
        assertThat(again.get("data")).isEmpty();
        sim.expireTokens();
        assertThat(api.get("/api/1.0/events?resource=" + p + "&sync=" + again.get("sync").asText()).status())
                .isEqualTo(412);
    }

    @Test
    void eventsPageAtAHundred() {
        String p = world.projects().get(0);
        String sync = api.get("/api/1.0/events?resource=" + p).body().get("sync").asText();
        for (int i = 0; i < 120; i++) {
            sim.createTask(Map.of("project", p, "name", "t" + i));
        }
        JsonNode page = api.get("/api/1.0/events?resource=" + p + "&sync=" + sync).body();
        assertThat(page.get("data").size()).isEqualTo(100);
        assertThat(page.get("has_more").asBoolean()).isTrue();
        int total = page.get("data").size();
        String sync2 = page.get("sync").asText();
        boolean more = true;
        while (more) {
            JsonNode next = api.get("/api/1.0/events?resource=" + p + "&sync=" + sync2).body();
            total += next.get("data").size();
            more = next.get("has_more").asBoolean();
            sync2 = next.get("sync").asText();
        }
        assertThat(total).as("an added event for the project and one for the section per task").isEqualTo(240);
    }

    @Test
    void controlApiDrivesPeopleAndCountsRequests() {
        String p = world.projects().get(0);
        JsonNode created = control.send("POST", "/_sim/tasks",
                Map.of("project", p, "name", "From a person", "notes", "n", "assignee", world.botUser())).body();
        String gid = created.get("gid").asText();
        control.send("POST", "/_sim/tasks/" + gid + "/comments", Map.of("text", "hello"));
        api.send("POST", "/api/1.0/tasks/" + gid + "/stories", Map.of("data", Map.of("text", "answer")));
        JsonNode stories = control.get("/_sim/tasks/" + gid + "/stories").body().get("data");
        assertThat(stories.findValuesAsText("text")).contains("hello", "answer");
        control.send("DELETE", "/_sim/tasks/" + gid, Map.of());
        assertThat(api.get("/api/1.0/tasks/" + gid).status()).isEqualTo(404);
        JsonNode dump = control.get("/_sim/dump").body();
        JsonNode flagged = null;
        for (JsonNode t : dump.get("projects").get(0).get("tasks")) {
            if (t.get("gid").asText().equals(gid)) {
                flagged = t;
            }
        }
        assertThat(flagged).isNotNull();
        assertThat(flagged.get("deleted").asBoolean()).isTrue();
        assertThat(flagged.get("comments")).hasSize(2);
        JsonNode counts = control.get("/_sim/requests").body().get("counts");
        assertThat(counts.get("POST /tasks/{task_gid}/stories").asInt()).isEqualTo(1);
        assertThat(counts.get("GET /tasks/{task_gid}").asInt()).isEqualTo(1);
    }

    @Test
    void faultsAndQuota() {
        world = sim.reset(SimOptions.demo().withQuota(3, 60));
        api = new SimHttp(sim.rootUrl(), world.token());
        for (int i = 0; i < 3; i++) {
            assertThat(api.get("/api/1.0/users/me").status()).isEqualTo(200);
        }
        SimHttp.Answer limited = api.get("/api/1.0/users/me");
        assertThat(limited.status()).isEqualTo(429);
        assertThat(Integer.parseInt(limited.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 60);

        world = sim.reset(SimOptions.demo());
        api = new SimHttp(sim.rootUrl(), world.token());
        control.send("POST", "/_sim/faults", Map.of("rate5xx", 1.0));
        assertThat(api.get("/api/1.0/users/me").status()).isEqualTo(500);
        control.send("POST", "/_sim/faults", Map.of("rate429", 1.0, "retryAfterSeconds", 2));
        SimHttp.Answer a = api.get("/api/1.0/users/me");
        assertThat(a.status()).isEqualTo(429);
        assertThat(a.headers().firstValue("Retry-After")).contains("2");
    }
}
