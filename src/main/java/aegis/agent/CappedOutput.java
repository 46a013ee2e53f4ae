package aegis.agent;

import java.nio.charset.StandardCharsets;

/**
 * Keeps at most {@code cap} bytes of a stream: its first half and its last half (a ring
 * buffer), counting what falls in between. Memory stays bounded however much a program
 * writes; the text shows where bytes were dropped.
 */
final class CappedOutput {
    private final byte[] head;
    private final byte[] tail;
    private int headLen;
    private long tailWritten;
    private long total;

    CappedOutput(int cap) {
        int half = Math.max(1, cap / 2);
        this.head = new byte[half];
        this.tail = new byte[Math.max(1, cap - half)];
    }

    synchronized void write(byte[] b, int off, int len) {
        total += len;
        int toHead = Math.min(len, head.length - headLen);
        if (toHead > 0) {
            System.arraycopy(b, off, head, headLen, toHead);
            headLen += toHead;
            off += toHead;
            len -= toHead;
        }
        if (len > tail.length) {
            off += len - tail.length;
            tailWritten += len - tail.length;
            len = tail.length;
        }
        while (len > 0) {
            int pos = (int) (tailWritten % tail.length);
            int n = Math.min(len, tail.length - pos);
            System.arraycopy(b, off, tail, pos, n);
            tailWritten += n;
            off += n;
            len -= n;
        }
    }

    synchronized long totalBytes() {
        return total;
    }

    synchronized boolean truncated() {
        return tailWritten > tail.length;
    }

    /** The kept bytes as text; when bytes were dropped, a line says how many. */
    synchronized String text() {
        String h = new String(head, 0, headLen, StandardCharsets.UTF_8);
        if (tailWritten == 0) {
            return h;
        }
        int kept = (int) Math.min(tailWritten, tail.length);
        byte[] t = new byte[kept];
        int start = (int) ((tailWritten - kept) % tail.length);
        for (int i = 0; i < kept; i++) {
            t[i] = tail[(start + i) % tail.length];
        }
        String ts = new String(t, StandardCharsets.UTF_8);
        long dropped = total - headLen - kept;
        return dropped > 0 ? h + "\n[... " + dropped + " bytes omitted ...]\n" + ts : h + ts;
    }
}
