package aegis.governance;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a comment says to a waiting approval, read from its first word: approve, approved, yes or
 * lgtm approves; reject, rejected or no rejects, and the text after that word is the reason; anything
 * else is neither. Pure: unit-tested on its own.
 */
public sealed interface ApprovalReply {
    record Approve() implements ApprovalReply {
    }

    /** {@code comment}: what followed the word, empty when nothing did. */
    record Reject(String comment) implements ApprovalReply {
    }

    record Other() implements ApprovalReply {
    }

    Set<String> APPROVE = Set.of("approve", "approved", "yes", "lgtm");
    Set<String> REJECT = Set.of("reject", "rejected", "no");
    /** The first word, then whatever separates it from the rest (punctuation, dashes, spaces). */
    Pattern FIRST_WORD = Pattern.compile("^\\s*([\\p{L}]+)[\\s\\p{Punct}–—]*(.*)$", Pattern.DOTALL);

    static ApprovalReply parse(String text) {
        Matcher m = FIRST_WORD.matcher(text == null ? "" : text);
        if (!m.matches()) {
            return new Other();
        }
        String word = m.group(1).toLowerCase(Locale.ROOT);
        if (APPROVE.contains(word)) {
            return new Approve();
        }
        if (REJECT.contains(word)) {
            return new Reject(m.group(2).strip());
        }
        return new Other();
    }
}
