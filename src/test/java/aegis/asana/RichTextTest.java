package aegis.asana;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Markdown as Asana rich text: Asana's tags only, mapped or flattened where Asana has none. */
class RichTextTest {

    private static String body(String md) {
        String html = RichText.fromMarkdown(md, null);
        assertThat(html).startsWith("<body>").endsWith("</body>");
        return html.substring(6, html.length() - 7);
    }

    @Test
    void inlineMarksListsLinksAndCodeBecomeAsanasTags() {
        assertThat(body("**bold** and *it* and `x < y`")).isEqualTo(
                "<strong>bold</strong> and <em>it</em> and <code>x &lt; y</code>");
        assertThat(body("- one\n- two\n  1. a\n  2. b")).isEqualTo(
                "<ul><li>one</li><li>two\n<ol><li>a</li><li>b</li></ol></li></ul>");
        assertThat(body("[docs](https://example.com/?a=1&b=2)")).isEqualTo(
                "<a href=\"https://example.com/?a=1&amp;b=2\">docs</a>");
        assertThat(body("```java\nint a = 1 & 2;\n```")).isEqualTo("<pre>int a = 1 &amp; 2;</pre>");
        assertThat(body("> quoted **text**")).isEqualTo("<blockquote>quoted <strong>text</strong></blockquote>");
    }

    @Test
    void headingsBeyondTwoAreBoldAndParagraphsKeepTheirBlankLine() {
        assertThat(body("# Title\n\n## Part\n\n### Small\n\nText one.\n\nText two.")).isEqualTo(
                "<h1>Title</h1>\n<h2>Part</h2>\n<strong>Small</strong>\nText one.\n\nText two.");
    }

    @Test
    void whatAsanaHasNoTagOrNestingForIsFlattenedNeverPassedThrough() {
        assertThat(body("<script>alert(1)</script>")).isEqualTo("&lt;script&gt;alert(1)&lt;/script&gt;");
        assertThat(body("a <span onclick=\"x\">b</span>")).doesNotContain("<span");
        assertThat(body("[bad](javascript:alert(1))")).isEqualTo("bad");
        assertThat(body("![logo](https://example.com/l.png)")).isEqualTo(
                "<a href=\"https://example.com/l.png\">logo</a>");
        assertThat(body("> - a\n> - b")).as("no list inside a quote").isEqualTo("<blockquote>• a\n• b</blockquote>");
        assertThat(body("- # head\n- ```\n  code\n  ```")).as("no heading or code block in a list item")
                .isEqualTo("<ul><li><strong>head</strong></li><li><code>code</code></li></ul>");
    }

    @Test
    void theFooterEndsTheTextEscaped() {
        assertThat(RichText.fromMarkdown("Done.", "— Aegis · run 5")).isEqualTo("<body>Done.\n\n— Aegis · run 5</body>");
        assertThat(RichText.fromMarkdown("", "a < b")).isEqualTo("<body>a &lt; b</body>");
    }
}
