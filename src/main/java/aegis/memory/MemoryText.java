package aegis.memory;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a prompt's {@code {{memory}}} says: the remembered facts, then the earlier answers, each
 * a short item. Empty only when nothing was recalled.
 */
public final class MemoryText {
    /** An earlier answer is given as its opening: enough to recognise and use it. */
    static final int ANSWER_EXCERPT = 600;
    private static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);

    private MemoryText() {
    }

    public static String render(List<Recollection> recalled) {
        StringBuilder facts = new StringBuilder();
        StringBuilder answers = new StringBuilder();
        for (Recollection r : recalled) {
            if (r.kind() == Recollection.Kind.REMEMBERED) {
                facts.append("- ").append(oneLine(r.body())).append(" (")
                        .append(r.authorName() == null ? "someone" : r.authorName()).append(", ")
                        .append(DAY.format(r.createdAt())).append(")\n");
            } else {
                answers.append("- \"").append(oneLine(r.title())).append("\" (").append(DAY.format(r.createdAt()))
                        .append("): ").append(excerpt(r.body())).append('\n');
            }
        }
        StringBuilder out = new StringBuilder();
        if (facts.length() > 0) {
            out.append("Remembered in this project:\n").append(facts);
        }
        if (answers.length() > 0) {
            out.append(out.length() > 0 ? "\n" : "").append("Earlier answers in this project:\n").append(answers);
        }
        return out.toString().strip();
    }

    private static final Pattern SPACES = Pattern.compile("\\s+");

    private static String oneLine(String s) {
        return s == null ? "" : SPACES.matcher(s.strip()).replaceAll(" ");
    }

    private static String excerpt(String s) {
        String t = oneLine(s);
        return t.length() <= ANSWER_EXCERPT ? t : t.substring(0, ANSWER_EXCERPT) + " …";
    }
}
