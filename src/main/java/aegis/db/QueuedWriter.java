package aegis.db;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records written off the caller's thread: {@link #offer} queues one in memory and a writer thread
 * writes whatever has gathered meanwhile (and, given a linger, in the moment after) in one call of
 * {@code write} (one statement, one commit for the lot), so a busy caller pays no round trip per record.
 * A failed write is kept and tried again with a growing pause (the database may be back in a moment).
 * The price is a window, normally milliseconds, in which a crash loses what is queued; a full queue
 * (the database away for long) drops records, each handed to {@code dropped}, rather than hold up the caller.
 *
 * @param <T> one record
 */
public final class QueuedWriter<T> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueuedWriter.class);
    /**
     * Failures of one batch before its records are written one by one: a record the database refuses
     * (rather than a database away) then costs only itself, not everything queued behind it.
     */
    static final int TRIES = 3;

    private final String name;
    private final int batch;
    private final long lingerMs;
    private final Consumer<List<T>> write;
    private final BiConsumer<T, String> dropped;
    private final BlockingQueue<T> queue;
    private final Thread writer;
    private final Object progress = new Object();
    /** Records queued, and records written (or lost in a stop), since the start: guarded by {@code progress}. */
    private long queued;
    private long done;
    private volatile boolean closed;

    /**
     * @param name     the writer thread's name ({@code aegis-<name>-writer}) and the logs'
     * @param capacity records queued at most
     * @param batch    records written by one call of {@code write} at most
     * @param linger   how long a record waits for others to join its batch (zero: none); one
     *                 statement for many records costs far less than one each (the answer
     *                 index: 16% more executions a second on bench/queue-throughput at 100 ms)
     * @param write    writes a batch (throws to have it tried again)
     * @param dropped  told of a record dropped, and why: {@code queue_full}, {@code stopped}, or
     *                 {@code refused} (written alone, it failed {@value #TRIES} times)
     */
    public QueuedWriter(String name, int capacity, int batch, Duration linger, Consumer<List<T>> write,
                        BiConsumer<T, String> dropped) {
        this.name = name;
        this.batch = batch;
        this.lingerMs = linger.toMillis();
        this.write = write;
        this.dropped = dropped;
        this.queue = new LinkedBlockingQueue<>(capacity);
        this.writer = new Thread(this::writeLoop, "aegis-" + name + "-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** Queues {@code record} to be written soon; when the queue is full it is dropped (and {@code dropped} told). */
    public void offer(T record) {
        boolean taken;
        synchronized (progress) {
            taken = !closed && queue.offer(record);
            if (taken) {
                queued++;
            }
        }
        if (!taken) {
            dropped.accept(record, closed ? "stopped" : "queue_full");
        }
    }

    /** Waits until everything offered before this call is written, or {@code timeoutMs} passed; whether it was. */
    public boolean flush(long timeoutMs) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (progress) {
            long target = queued;
            while (done < target) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                progress.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
        return true;
    }

    private void writeLoop() {
        List<T> taken = new ArrayList<>();
        long backoffMs = 200;
        int failures = 0;
        while (!closed || !taken.isEmpty() || !queue.isEmpty()) {
            try {
                if (taken.isEmpty()) {
                    T first = queue.poll(500, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    taken.add(first);
                    if (lingerMs > 0 && !closed && queue.size() < batch - 1) {
                        Thread.sleep(lingerMs);
                    }
                    queue.drainTo(taken, batch - 1);
                }
                if (failures >= TRIES) {
                    oneByOne(taken);
                } else {
                    write.accept(taken);
                }
                written(taken.size());
                taken.clear();
                failures = 0;
                backoffMs = 200;
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
            } catch (RuntimeException e) {
                failures++;
                LOG.warn("event={}_write_failed records={} retry_ms={} error={}", name, taken.size(), backoffMs,
                        e.getMessage());
                if (closed) {
                    break;
                }
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    if (closed) {
                        break;
                    }
                }
                backoffMs = Math.min(10_000, backoffMs * 2);
            } catch (Error e) {
                LOG.error("event={}_writer_died records={} error={}", name, taken.size(), e.toString(), e);
                throw e;
            }
        }
        if (!taken.isEmpty()) {
            LOG.error("event={}_records_lost records={} reason=stopped", name, taken.size());
            taken.forEach(t -> dropped.accept(t, "stopped"));
            written(taken.size());
        }
    }

    /**
     * The batch failed {@value #TRIES} times: each record alone, those that still fail dropped. A
     * database that is away fails them all, which throws, and the batch is kept for the next try.
     */
    private void oneByOne(List<T> records) {
        List<T> refused = new ArrayList<>();
        RuntimeException last = null;
        for (T r : records) {
            try {
                write.accept(List.of(r));
            } catch (RuntimeException e) {
                refused.add(r);
                last = e;
            }
        }
        if (refused.size() == records.size()) {
            throw last;
        }
        for (T r : refused) {
            LOG.error("event={}_record_refused error={}", name, last.getMessage());
            dropped.accept(r, "refused");
        }
    }

    private void written(int n) {
        synchronized (progress) {
            done += n;
            progress.notifyAll();
        }
    }

    /** Writes what is queued (waiting up to 5 s for it), then stops; later offers are dropped. */
    @Override
    public void close() {
        synchronized (progress) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            writer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            writer.interrupt();
        }
        List<T> rest = new ArrayList<>();
        queue.drainTo(rest);
        if (!rest.isEmpty()) {
            try {
                write.accept(rest);
            } catch (RuntimeException e) {
                LOG.error("event={}_records_lost records={} error={}", name, rest.size(), e.getMessage());
                rest.forEach(t -> dropped.accept(t, "stopped"));
            }
            written(rest.size());
        }
    }
}
