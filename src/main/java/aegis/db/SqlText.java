package aegis.db;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Statements composed of parts (a transition and the parts riding in it) are the same few texts
 * over and over: each is built once and the same instance handed out after, so that the driver's
 * statement cache, keyed by the text, finds it without hashing and comparing kilobytes of SQL on
 * every execution.
 */
public final class SqlText {
    /** Texts kept at most: far more than the statements there are; past it, texts are built each time. */
    private static final int MAX = 1_000;
    private static final ConcurrentMap<List<String>, String> TEXTS = new ConcurrentHashMap<>();

    private SqlText() {
    }

    /** {@code parts} concatenated: the same instance for the same parts. */
    public static String of(String... parts) {
        List<String> key = List.of(parts);
        String text = TEXTS.get(key);
        if (text != null) {
            return text;
        }
        text = String.join("", parts);
        if (TEXTS.size() < MAX) {
            String before = TEXTS.putIfAbsent(key, text);
            return before != null ? before : text;
        }
        return text;
    }
}
