package aegis.sync;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MentionsTest {

    @Test
    void readsUserLinksAsAsanaWritesThem() {
        String html = "<body>Hi <a href=\"https://app.asana.com/0/profile/42\" data-asana-gid=\"42\" "
                + "data-asana-accessible=\"true\" data-asana-type=\"user\" data-asana-dynamic=\"true\">@Aegis</a>, "
                + "see <a data-asana-gid=\"77\" data-asana-type=\"task\">this task</a> and "
                + "<a data-asana-gid='43' data-asana-type=user>@Rita</a> &amp; <a data-asana-gid=\"42\">@Aegis</a></body>";
        assertThat(Mentions.users(html)).as("users only, once each, in order").containsExactly("42", "43");
    }

    @Test
    void nothingInPlainTextOrEscapedMarkup() {
        assertThat(Mentions.users(null)).isEmpty();
        assertThat(Mentions.users("")).isEmpty();
        assertThat(Mentions.users("<body>&lt;a data-asana-gid=\"42\"&gt;@Aegis&lt;/a&gt;</body>")).isEmpty();
        assertThat(Mentions.users("<body>@Aegis please</body>")).isEmpty();
    }
}
