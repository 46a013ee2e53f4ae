package aegis.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class QueuedWriterTest {

    @Test
    void whatGathersWhileABatchIsWrittenGoesInTheNextOneCall() throws Exception {
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (QueuedWriter<Integer> w = new QueuedWriter<>("test", 100, 50, Duration.ZERO, b -> {
            batches.add(List.copyOf(b));
            firstStarted.countDown();
            await(release);
        }, (r, why) -> { })) {
            w.offer(0);
            assertThat(firstStarted.await(5, TimeUnit.SECONDS)).isTrue();
            for (int i = 1; i <= 10; i++) {
                w.offer(i);
            }
            release.countDown();
            assertThat(w.flush(5_000)).isTrue();
        }
        assertThat(batches).containsExactly(List.of(0), List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    }

    @Test
    void aBatchIsNeverLargerThanAsked() throws Exception {
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        try (QueuedWriter<Integer> w = new QueuedWriter<>("test", 100, 4, Duration.ZERO, b -> {
            await(release);
            sizes.add(b.size());
        }, (r, why) -> { })) {
            for (int i = 0; i < 10; i++) {
                w.offer(i);
            }
            release.countDown();
            assertThat(w.flush(5_000)).isTrue();
        }
        assertThat(sizes).allMatch(n -> n <= 4);
        assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(10);
    }

    @Test
    void aFailedWriteIsTriedAgainWithTheSameRecords() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        List<Integer> written = Collections.synchronizedList(new ArrayList<>());
        try (QueuedWriter<Integer> w = new QueuedWriter<>("test", 100, 50, Duration.ZERO, b -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("the database is away");
            }
            written.addAll(b);
        }, (r, why) -> { })) {
            w.offer(7);
            assertThat(w.flush(5_000)).as("written after the pause").isTrue();
        }
        assertThat(calls.get()).isEqualTo(2);
        assertThat(written).containsExactly(7);
    }

    @Test
    void aFullQueueDropsAndSaysWhatAndFlushWaitsForWhatWasQueued() throws Exception {
        List<Integer> dropped = new CopyOnWriteArrayList<>();
        List<Integer> written = new CopyOnWriteArrayList<>();
        CountDownLatch inWrite = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (QueuedWriter<Integer> w = new QueuedWriter<>("test", 2, 50, Duration.ZERO, b -> {
            inWrite.countDown();
            await(release);
            written.addAll(b);
        }, (r, why) -> dropped.add(r))) {
            w.offer(1);
            assertThat(inWrite.await(5, TimeUnit.SECONDS)).isTrue();
            w.offer(2);
            w.offer(3);
            w.offer(4);
            assertThat(dropped).containsExactly(4);
            assertThat(w.flush(100)).as("still writing").isFalse();
            release.countDown();
            assertThat(w.flush(5_000)).isTrue();
            assertThat(written).containsExactly(1, 2, 3);
        }
    }

    @Test
    void closingWritesWhatIsQueuedAndLaterOffersAreDropped() throws Exception {
        List<Integer> written = new CopyOnWriteArrayList<>();
        List<Integer> dropped = new CopyOnWriteArrayList<>();
        QueuedWriter<Integer> w = new QueuedWriter<>("test", 100, 50, Duration.ZERO, written::addAll, (r, why) -> dropped.add(r));
        for (int i = 0; i < 5; i++) {
            w.offer(i);
        }
        w.close();
        assertThat(written).containsExactly(0, 1, 2, 3, 4);
        w.offer(5);
        assertThat(dropped).containsExactly(5);
    }

    @Test
    void aRecordTheDatabaseRefusesCostsOnlyItselfAfterTheBatchFailedThrice() throws Exception {
        List<Integer> written = new CopyOnWriteArrayList<>();
        List<String> dropped = new CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        try (QueuedWriter<Integer> w = new QueuedWriter<>("test", 100, 50, Duration.ZERO, b -> {
            await(release);
            if (b.contains(13)) {
                throw new IllegalArgumentException("invalid byte sequence");
            }
            written.addAll(b);
        }, (r, why) -> dropped.add(r + ":" + why))) {
            for (int i = 10; i <= 15; i++) {
                w.offer(i);
            }
            release.countDown();
            // Three failed tries with pauses of 0.2, 0.4 and 0.8 s, then one by one.
            assertThat(w.flush(10_000)).isTrue();
        }
        assertThat(written).containsExactlyInAnyOrder(10, 11, 12, 14, 15);
        assertThat(dropped).containsExactly("13:refused");
    }

    @Test
    void withALingerRecordsOfTheMomentAfterTheFirstShareItsBatch() throws Exception {
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        try (QueuedWriter<Integer> w = new QueuedWriter<>("test", 100, 50, Duration.ofMillis(300),
                b -> batches.add(List.copyOf(b)), (r, why) -> { })) {
            w.offer(1);
            Thread.sleep(50);
            w.offer(2);
            w.offer(3);
            assertThat(w.flush(5_000)).isTrue();
        }
        assertThat(batches).containsExactly(List.of(1, 2, 3));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
