package aegis.db;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records written off the caller's thread: {@link #offer} queues one in memory and a writer thread
 * writes whatever has gathered meanwhile in one call of {@code write} (one statement, one commit for
 * the lot), so a busy caller pays no round trip per record and a quiet one waits no batching delay.
 * A failed write is kept and tried again with a growing pause (the database may be back in a moment).
 * The price is a window, normally milliseconds, in which a crash loses what is queued; a full queue
 * (the database away for long) drops records, each handed to {@code dropped}, rather than hold up the caller.
 *
 * @param <T> one record
 */
public final class QueuedWriter<T> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueuedWriter.class);

    private final String name;
    private final int batch;
    private final Consumer<List<T>> write;
    private final Consumer<T> dropped;
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
     * @param write    writes a batch (throws to have it tried again)
     * @param dropped  told of a record dropped because the queue was full
     */
    public QueuedWriter(String name, int capacity, int batch, Consumer<List<T>> write, Consumer<T> dropped) {
        this.name = name;
        this.batch = batch;
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
            dropped.accept(record);
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
        while (!closed || !taken.isEmpty() || !queue.isEmpty()) {
            try {
                if (taken.isEmpty()) {
                    T first = queue.poll(500, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    taken.add(first);
                    queue.drainTo(taken, batch - 1);
                }
                write.accept(taken);
                written(taken.size());
                taken.clear();
                backoffMs = 200;
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
            } catch (RuntimeException e) {
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
            }
        }
        if (!taken.isEmpty()) {
            LOG.error("event={}_records_lost records={} reason=stopped", name, taken.size());
            written(taken.size());
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
            }
            written(rest.size());
        }
    }
}
