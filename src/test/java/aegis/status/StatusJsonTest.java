package aegis.status;

import aegis.governance.PauseState;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.jackson.ObjectMapperFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The /status JSON is the format Status declares, whichever mapper Micronaut's factory makes. */
class StatusJsonTest {
    private final ObjectMapper contextDefaults = new ObjectMapperFactory().objectMapper(null, null);

    @Test
    void snakeCaseKeysAndNullsKept() throws Exception {
        Map<String, Long> queue = new LinkedHashMap<>();
        queue.put("pending", 2L);
        queue.put("running", 1L);
        Status status = new Status("0.1.0", "host-1", 42, "2026-01-02T03:04:05Z",
                new Status.Orchestrator("running", "host-1", 7L, "2026-01-02T03:00:00Z", null, 3, "0.25", 1),
                new PauseState(null, List.of(new PauseState.Pause("123", "release freeze", "unix:ops",
                        "2026-01-02T02:00:00Z"))),
                new Status.LastSyncs(null, "2026-01-02T03:04:00Z", null), queue,
                new Status.Agents(1, Map.of("busy", 1L),
                        List.of(new Status.Agent("echo-1", "echo", "busy", "host-1", null, 2, 0, "0", "77",
                                "Write the notes", "https://app.asana.com/0/1/77", 5L))),
                new Status.Today(3, Map.of("completed", 3L), 1000, 200, "0.25"),
                new Status.Webhooks(List.of(new Status.Subscription("s1", "123", "active", "ok", null, null, null)),
                        new Status.Inbox(1, 0, 0, null)),
                List.of(new Status.Node("host-1", "2026-01-02T03:04:00Z", true)),
                List.of(new Status.Bot("aegis", 1, 1, List.of(7L), 3, "0.25")),
                List.of(new Status.Budget("global", "day", "2026-01-03T00:00:00Z", "5.000000", "0.250000", "4.750000",
                        null, 1200, null, 2)));

        // Written by the hand-configured snake_case mapper this replaced: the format must not move.
        assertThat(contextDefaults.writeValueAsString(status)).isEqualTo("{\"version\":\"0.1.0\",\"instance\":\"host-1\","
                + "\"uptime_seconds\":42,\"generated_at\":\"2026-01-02T03:04:05Z\",\"orchestrator\":{\"status\":\"running\","
                + "\"instance_id\":\"host-1\",\"pid\":7,\"started_at\":\"2026-01-02T03:00:00Z\",\"updated_at\":null,"
                + "\"total_executions\":3,\"total_cost_usd\":\"0.25\",\"active_agents\":1},\"pause\":{\"global\":null,"
                + "\"projects\":[{\"project_gid\":\"123\",\"reason\":\"release freeze\",\"paused_by\":\"unix:ops\","
                + "\"paused_at\":\"2026-01-02T02:00:00Z\"}]},\"last_syncs\":{\"full_sync_at\":null,"
                + "\"events_poll_at\":\"2026-01-02T03:04:00Z\",\"webhook_at\":null},\"queue\":{\"pending\":2,\"running\":1},"
                + "\"agents\":{\"total\":1,\"by_status\":{\"busy\":1},\"list\":[{\"name\":\"echo-1\",\"type\":\"echo\","
                + "\"status\":\"busy\",\"instance_id\":\"host-1\",\"last_active_at\":null,\"tasks_completed\":2,"
                + "\"tasks_failed\":0,\"total_cost_usd\":\"0\",\"current_task_gid\":\"77\",\"current_task_name\":\"Write the notes\","
                + "\"current_task_url\":\"https://app.asana.com/0/1/77\",\"current_execution_id\":5}]},\"today\":{\"executions\":3,\"by_status\":{\"completed\":3},"
                + "\"input_tokens\":1000,\"output_tokens\":200,\"cost_usd\":\"0.25\"},\"webhooks\":{\"subscriptions\":[{"
                + "\"id\":\"s1\",\"resource_gid\":\"123\",\"status\":\"active\",\"health\":\"ok\",\"last_heartbeat_at\":null,"
                + "\"last_delivery_at\":null,\"last_error\":null}],\"inbox\":{\"pending\":1,\"processing\":0,\"failed\":0,"
                + "\"oldest_pending_seconds\":null}},\"nodes\":[{\"instance\":\"host-1\",\"last_checkin_at\":"
                + "\"2026-01-02T03:04:00Z\",\"alive\":true}],\"bots\":[{\"name\":\"aegis\",\"waiting\":1,\"running\":1,"
                + "\"running_executions\":[7],\"executions_today\":3,\"cost_usd_today\":\"0.25\"}],"
                + "\"budgets\":[{\"scope\":\"global\",\"period\":\"day\","
                + "\"period_end\":\"2026-01-03T00:00:00Z\",\"limit_usd\":\"5.000000\",\"spent_usd\":\"0.250000\","
                + "\"remaining_usd\":\"4.750000\",\"limit_tokens\":null,\"spent_tokens\":1200,\"remaining_tokens\":null,"
                + "\"held\":2}]}");
    }
}
