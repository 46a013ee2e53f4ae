package aegis.agent;

import aegis.config.Settings;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The no-op agent kind {@code echo}, for tests, demos and benchmarks. It answers from the
 * task's own text, after an optional delay ({@code AEGIS_ECHO_DELAY_MS}, default 0) so a test
 * can catch it mid-run. A task name starting with {@code question:} makes it ask that
 * question; {@code fail:} fails transiently, {@code fail-permanent:} permanently. Its token
 * counts are fake (characters / 4) so accounting has something to add up; its cost is zero.
 */
@Singleton
public final class EchoAgent implements Agent {
    public static final String KIND = "echo";

    private final Duration delay;

    @jakarta.inject.Inject
    public EchoAgent(Settings settings) {
        this(Duration.ofMillis(settings.integer("AEGIS_ECHO_DELAY_MS", 0, 0, 3_600_000)));
    }

    public EchoAgent(Duration delay) {
        this.delay = delay;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public AgentOutcome run(AgentRequest request, AgentContext context) throws InterruptedException {
        context.event("process_started", "info", "echo agent started",
                Map.of("delay_ms", delay.toMillis()));
        if (!delay.isZero()) {
            Thread.sleep(delay.toMillis());
        }
        String name = request.task().name() == null ? "" : request.task().name();
        String lower = name.toLowerCase(Locale.ROOT);
        long in = promptChars(request) / 4;
        if (lower.startsWith("fail-permanent:")) {
            String reason = name.substring("fail-permanent:".length()).trim();
            return new AgentOutcome.Failed(false, reason, new Usage(in, 0, BigDecimal.ZERO), reason, 1);
        }
        if (lower.startsWith("fail:")) {
            String reason = name.substring("fail:".length()).trim();
            return new AgentOutcome.Failed(true, reason, new Usage(in, 0, BigDecimal.ZERO), reason, 1);
        }
        if (lower.startsWith("question:")) {
            String q = name.substring("question:".length()).trim();
            return new AgentOutcome.Question(q, new Usage(in, q.length() / 4, BigDecimal.ZERO), q, 0);
        }
        StringBuilder result = new StringBuilder("Echo: ").append(name);
        if (request.task().notes() != null && !request.task().notes().isBlank()) {
            result.append("\n\n").append(request.task().notes().trim());
        }
        List<AgentRequest.CommentView> people = request.thread().stream().filter(c -> !c.fromBot()).toList();
        if (!people.isEmpty()) {
            result.append("\n\nThread: ").append(people.size()).append(" comment(s); last: ")
                    .append(people.get(people.size() - 1).text());
        }
        String out = result.toString();
        context.event("output", "info", "echo agent answered", Map.of("chars", out.length()));
        return new AgentOutcome.Done(out, new Usage(in, out.length() / 4, BigDecimal.ZERO), out, 0);
    }

    private static long promptChars(AgentRequest r) {
        if (r.prompt() == null) {
            return 0;
        }
        return (r.prompt().system() == null ? 0 : r.prompt().system().length())
                + (r.prompt().user() == null ? 0 : r.prompt().user().length());
    }
}
