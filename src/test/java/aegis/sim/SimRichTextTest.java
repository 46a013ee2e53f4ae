package aegis.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.asana.RichText;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulator refuses rich text as Asana does, and accepts all that Aegis writes. */
class SimRichTextTest {

    @Test
    void whatAsanaRefusesIsA400() {
        for (String bad : List.of("<body>unclosed <strong>bold</body>", "<div>not body</div>", "plain text",
                "<body><p>paragraph</p></body>", "<body><script>x</script></body>",
                "<body><a onclick=\"x\">link</a></body>", "<body><li>loose item</li></body>",
                "<body><ul><li><h1>heading in an item</h1></li></ul></body>",
                "<body><blockquote><ul><li>list in a quote</li></ul></blockquote></body>",
                "<body><h1>two\nlines</h1></body>", "<body><strong><pre>block in inline</pre></strong></body>")) {
            assertThatThrownBy(() -> SimRichText.validate(bad)).as(bad).isInstanceOf(SimError.class)
                    .satisfies(e -> assertThat(((SimError) e).status).isEqualTo(400));
        }
    }

    @Test
    void everythingAegisWritesIsAcceptedAndItsTextEndsWithTheMarker() {
        String md = """
                # Release notes

                Some **bold**, *italic*, `code`, <b>raw html</b> & an ampersand.

                ## Changes
                1. First
                   - nested *one*
                   - nested [two](https://example.com)
                2. Second
                   ```
                   code in an item
                   ```

                > Quote with a list:
                > - a
                > - b
                >
                > # heading in a quote

                ### Third level
                ---
                ```sh
                mvn test < /dev/null
                ```
                ![img](ftp://nope) and a hard\\
                break.
                """;
        String html = RichText.fromMarkdown(md, "— Aegis · run 77");
        String text = SimRichText.validate(html);
        assertThat(text).endsWith("— Aegis · run 77").contains("Release notes").contains("mvn test < /dev/null");
    }
}
