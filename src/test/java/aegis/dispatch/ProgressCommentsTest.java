package aegis.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.asana.AsanaClient;
import aegis.asana.AsanaException;
import aegis.asana.AsanaModel;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The progress comment's timing and give-up rule, against a scripted Asana (its HTTP behaviour is
 * {@link ProgressCommentEndToEndTest}'s): nothing before the interval, a failing edit tried at the
 * following ticks only, and given up after three failures in a row.
 */
class ProgressCommentsTest {
    private final List<String> calls = new CopyOnWriteArrayList<>();

    /** Posting works; every edit fails as Asana being down does. */
    private AsanaClient editsFail() {
        return (AsanaClient) Proxy.newProxyInstance(AsanaClient.class.getClassLoader(),
                new Class<?>[] {AsanaClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("forExecution")) {
                        return proxy;
                    }
                    calls.add(method.getName() + ":" + args[1]);
                    return switch (method.getName()) {
                        case "postComment" -> new AsanaModel.Story("s1", "comment_added", "comment",
                                (String) args[1], null, null, Instant.now());
                        case "updateStory" -> throw new AsanaException.ServerError(503, "unavailable");
                        default -> throw new UnsupportedOperationException(method.getName());
                    };
                });
    }

    private static Execution execution(long id) {
        return new Execution(id, 1, "1207", "initial", "echo", 1, 3, null, null, null, null, null, 0, "w:1", null,
                Instant.now());
    }

    @Test
    void aRunShorterThanTheIntervalPostsNothing() throws Exception {
        ProgressComments progress = new ProgressComments(editsFail(), new ProgressSettings(true, Duration.ofMillis(300)));
        RunProgress p = progress.begin(execution(1));
        Thread.sleep(100);
        progress.end(p, "Finished in 0 s — answer below");
        Thread.sleep(600);
        progress.close();
        assertThat(calls).isEmpty();
    }

    @Test
    void failingEditsAreGivenUpAfterThreeInARowAndNeverHoldTheCaller() throws Exception {
        ProgressComments progress = new ProgressComments(editsFail(), new ProgressSettings(true, Duration.ofMillis(100)));
        RunProgress p = progress.begin(execution(2));
        p.step("Read src/App.java");
        Thread.sleep(1500);
        long t0 = System.nanoTime();
        progress.end(p, "Finished in 1 s — answer below");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(50));
        Thread.sleep(300);
        progress.close();
        assertThat(calls.get(0)).startsWith("postComment:Working on it…").contains("• Read src/App.java");
        assertThat(calls.stream().filter(c -> c.startsWith("postComment"))).hasSize(1);
        // Three ticks' edits, then none until the final line is tried once.
        assertThat(calls.stream().filter(c -> c.startsWith("updateStory:Working"))).hasSize(ProgressComments.MAX_FAILURES);
        assertThat(calls).last().isEqualTo("updateStory:Finished in 1 s — answer below");
    }
}
