package aegis.sync;

import java.util.LinkedHashSet;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;

/**
 * The users a comment @-mentions. Asana writes a mention into the story's {@code html_text} as a
 * link, {@code <a data-asana-gid="USER_GID" data-asana-type="user" …>@Name</a>}; the plain text
 * holds only the name, so the HTML is parsed (jsoup: entities, quoting and nesting as a browser
 * reads them). Links to other resources (tasks, projects) carry another {@code data-asana-type}.
 */
public final class Mentions {
    /**
     * How old a mention may be and still call a bot: a thread read for the first time (a task newly
     * assigned, a first sync) brings old comments into the mirror, and those were asked long ago.
     */
    public static final java.time.Duration WINDOW = java.time.Duration.ofDays(1);

    private Mentions() {
    }

    /** The user gids mentioned in {@code htmlText}, in order of appearance; none for null or plain text. */
    public static Set<String> users(String htmlText) {
        Set<String> out = new LinkedHashSet<>();
        if (htmlText == null || htmlText.isBlank()) {
            return out;
        }
        for (Element a : Jsoup.parseBodyFragment(htmlText).select("a[data-asana-gid]")) {
            String type = a.attr("data-asana-type");
            String gid = a.attr("data-asana-gid").trim();
            if ((type.isEmpty() || type.equals("user")) && !gid.isEmpty()) {
                out.add(gid);
            }
        }
        return out;
    }
}
