package aegis.asana;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/** Asana's offset pagination as a lazy stream: a page is fetched only when its items are reached. */
final class AsanaPages {
    private static final int PAGE = 100;

    private AsanaPages() {
    }

    /** {@code fetch} gets one page for the query given (limit and offset added to {@code query}). */
    static <T> Stream<T> stream(Map<String, String> query, Function<Map<String, String>, JsonNode> fetch,
                                Function<JsonNode, T> map) {
        Iterator<T> it = new Iterator<>() {
            private Iterator<JsonNode> page;
            private String offset;
            private boolean last;

            @Override
            public boolean hasNext() {
                while ((page == null || !page.hasNext()) && !last) {
                    Map<String, String> q = new LinkedHashMap<>(query);
                    q.put("limit", Integer.toString(PAGE));
                    if (offset != null) {
                        q.put("offset", offset);
                    }
                    JsonNode body = fetch.apply(q);
                    List<JsonNode> items = new ArrayList<>();
                    body.path("data").forEach(items::add);
                    page = items.iterator();
                    JsonNode next = body.path("next_page");
                    offset = next.isObject() ? AsanaJson.text(next, "offset") : null;
                    last = offset == null;
                }
                return page != null && page.hasNext();
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return map.apply(page.next());
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED), false);
    }
}
