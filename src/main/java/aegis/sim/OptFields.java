package aegis.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Asana's {@code opt_fields}: the response carries exactly the fields asked for, plus
 * {@code gid} and {@code resource_type}. A dotted path ({@code assignee.name}) reaches into a
 * nested object; a nested object asked for without a path comes back compact
 * ({@code gid}, {@code resource_type}).
 */
final class OptFields {
    private final Map<String, OptFields> children = new LinkedHashMap<>();

    private OptFields() {
    }

    /** Null when the request had no (or an empty) {@code opt_fields}. */
    static OptFields parse(String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        OptFields root = new OptFields();
        for (String path : raw.split(",")) {
            String p = path.trim();
            if (p.isEmpty()) {
                continue;
            }
            OptFields node = root;
            for (String part : p.split("\\.")) {
                node = node.children.computeIfAbsent(part, k -> new OptFields());
            }
        }
        return root;
    }

    boolean has(String field) {
        return children.containsKey(field);
    }

    Map<String, Object> apply(Map<String, Object> full) {
        Map<String, Object> out = new LinkedHashMap<>();
        copyIdentity(full, out);
        children.forEach((k, sub) -> {
            if (full.containsKey(k)) {
                out.put(k, sub.project(full.get(k)));
            }
        });
        return out;
    }

    @SuppressWarnings("unchecked")
    private Object project(Object v) {
        if (v instanceof Map<?, ?> m) {
            return children.isEmpty() ? compact((Map<String, Object>) m) : apply((Map<String, Object>) m);
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object o : list) {
                out.add(project(o));
            }
            return out;
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> compact(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (m.containsKey("gid")) {
            copyIdentity(m, out);
            return out;
        }
        m.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> n ? compact((Map<String, Object>) n) : v));
        return out;
    }

    private static void copyIdentity(Map<String, Object> from, Map<String, Object> to) {
        if (from.containsKey("gid")) {
            to.put("gid", from.get("gid"));
        }
        if (from.containsKey("resource_type")) {
            to.put("resource_type", from.get("resource_type"));
        }
    }
}
