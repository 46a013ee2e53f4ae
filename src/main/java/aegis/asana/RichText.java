package aegis.asana;

import java.util.Set;
import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.BlockQuote;
import org.commonmark.node.BulletList;
import org.commonmark.node.Code;
import org.commonmark.node.Emphasis;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.HardLineBreak;
import org.commonmark.node.Heading;
import org.commonmark.node.HtmlBlock;
import org.commonmark.node.HtmlInline;
import org.commonmark.node.Image;
import org.commonmark.node.IndentedCodeBlock;
import org.commonmark.node.Link;
import org.commonmark.node.ListItem;
import org.commonmark.node.Node;
import org.commonmark.node.OrderedList;
import org.commonmark.node.Paragraph;
import org.commonmark.node.SoftLineBreak;
import org.commonmark.node.StrongEmphasis;
import org.commonmark.node.Text;
import org.commonmark.node.ThematicBreak;
import org.commonmark.parser.Parser;

/**
 * Markdown (what agents write) as Asana rich text ({@code html_text}): a {@code <body>} root and
 * only the tags Asana accepts in a comment — strong, em, code, a (http, https, mailto), ul/ol/li,
 * pre, blockquote, h1, h2, hr — always well-formed XML, since Asana refuses anything else with a
 * 400. What Asana has no tag for is mapped (h3+ to bold) or flattened to its text (raw HTML,
 * images become links); where Asana forbids a nesting (a list in a quote, a code block or a heading
 * in a list item) the inner part is flattened too. Newlines are kept as text: Asana has no
 * paragraph tag and shows them as line breaks. commonmark-java parses; this only writes.
 */
public final class RichText {
    private static final Parser PARSER = Parser.builder().build();
    private static final Set<String> SCHEMES = Set.of("http", "https", "mailto");

    private RichText() {
    }

    /** {@code markdown} as a {@code <body>…</body>} document, with {@code footer} (plain text) on its last line. */
    public static String fromMarkdown(String markdown, String footer) {
        Writer w = new Writer();
        PARSER.parse(markdown == null ? "" : markdown).accept(w);
        String body = w.out.toString().stripTrailing();
        StringBuilder sb = new StringBuilder("<body>").append(body);
        if (footer != null && !footer.isBlank()) {
            sb.append(body.isEmpty() ? "" : "\n\n").append(escape(footer.strip()));
        }
        return sb.append("</body>").toString();
    }

    /** Text and attribute values escaped for XML. */
    public static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                default -> {
                    // XML 1.0 forbids most control characters even escaped.
                    if (c >= 0x20 || c == '\n' || c == '\t') {
                        sb.append(c);
                    } else if (c == '\r') {
                        sb.append('\n');
                    }
                }
            }
        }
        return sb.toString();
    }

    /** Walks the Markdown tree writing Asana's tags; the flags say which nestings must be flattened. */
    private static final class Writer extends AbstractVisitor {
        final StringBuilder out = new StringBuilder();
        int lists;
        int quotes;
        int headings;

        private boolean flat() {
            return quotes > 0 || headings > 0;
        }

        /** A block ends: the next one starts on a line of its own, a blank line after a paragraph. */
        private void endBlock(Node n) {
            if (n.getNext() != null) {
                out.append(n instanceof Paragraph && lists == 0 ? "\n\n" : "\n");
            }
        }

        @Override
        public void visit(Paragraph p) {
            visitChildren(p);
            endBlock(p);
        }

        @Override
        public void visit(Heading h) {
            if (lists > 0 || flat()) {
                out.append("<strong>");
                headings++;
                visitChildren(h);
                headings--;
                out.append("</strong>");
            } else {
                String tag = h.getLevel() == 1 ? "h1" : h.getLevel() == 2 ? "h2" : "strong";
                out.append('<').append(tag).append('>');
                headings++;
                visitChildren(h);
                headings--;
                out.append("</").append(tag).append('>');
            }
            endBlock(h);
        }

        @Override
        public void visit(BulletList l) {
            list(l, "ul", false);
        }

        @Override
        public void visit(OrderedList l) {
            list(l, "ol", true);
        }

        private void list(Node l, String tag, boolean numbered) {
            if (flat()) {
                // No lists inside a quote or heading: one line per item.
                int i = 1;
                for (Node item = l.getFirstChild(); item != null; item = item.getNext(), i++) {
                    out.append(numbered ? i + ". " : "• ");
                    visitChildren(item);
                    if (item.getNext() != null) {
                        out.append('\n');
                    }
                }
            } else {
                out.append('<').append(tag).append('>');
                lists++;
                visitChildren(l);
                lists--;
                out.append("</").append(tag).append('>');
            }
            endBlock(l);
        }

        @Override
        public void visit(ListItem item) {
            out.append("<li>");
            visitChildren(item);
            // A nested list ends the item with a newline of its own making; none is kept.
            trimTrailingNewlines();
            out.append("</li>");
        }

        @Override
        public void visit(BlockQuote q) {
            if (lists > 0 || flat()) {
                visitChildren(q);
            } else {
                out.append("<blockquote>");
                quotes++;
                visitChildren(q);
                quotes--;
                trimTrailingNewlines();
                out.append("</blockquote>");
            }
            endBlock(q);
        }

        @Override
        public void visit(FencedCodeBlock c) {
            code(c.getLiteral(), c);
        }

        @Override
        public void visit(IndentedCodeBlock c) {
            code(c.getLiteral(), c);
        }

        private void code(String literal, Node n) {
            String text = literal == null ? "" : literal.replaceAll("\\n+$", "");
            if (lists > 0 || flat()) {
                out.append("<code>").append(escape(text)).append("</code>");
            } else {
                out.append("<pre>").append(escape(text)).append("</pre>");
            }
            endBlock(n);
        }

        @Override
        public void visit(ThematicBreak t) {
            out.append(lists > 0 || flat() ? "\n" : "<hr/>");
            endBlock(t);
        }

        @Override
        public void visit(HtmlBlock h) {
            out.append(escape(h.getLiteral() == null ? "" : h.getLiteral().strip()));
            endBlock(h);
        }

        @Override
        public void visit(Text t) {
            out.append(escape(t.getLiteral()));
        }

        @Override
        public void visit(Code c) {
            out.append("<code>").append(escape(c.getLiteral())).append("</code>");
        }

        @Override
        public void visit(Emphasis e) {
            wrap("em", e);
        }

        @Override
        public void visit(StrongEmphasis s) {
            wrap("strong", s);
        }

        private void wrap(String tag, Node n) {
            out.append('<').append(tag).append('>');
            visitChildren(n);
            out.append("</").append(tag).append('>');
        }

        @Override
        public void visit(Link l) {
            link(l.getDestination(), l);
        }

        @Override
        public void visit(Image i) {
            link(i.getDestination(), i);
        }

        private void link(String href, Node n) {
            if (href != null && SCHEMES.contains(scheme(href))) {
                out.append("<a href=\"").append(escape(href)).append("\">");
                int before = out.length();
                visitChildren(n);
                if (out.length() == before) {
                    out.append(escape(href));
                }
                out.append("</a>");
            } else {
                visitChildren(n);
            }
        }

        @Override
        public void visit(HtmlInline h) {
            out.append(escape(h.getLiteral()));
        }

        @Override
        public void visit(SoftLineBreak b) {
            out.append(headings > 0 ? " " : "\n");
        }

        @Override
        public void visit(HardLineBreak b) {
            out.append(headings > 0 ? " " : "\n");
        }

        private void trimTrailingNewlines() {
            while (out.length() > 0 && out.charAt(out.length() - 1) == '\n') {
                out.setLength(out.length() - 1);
            }
        }

        private static String scheme(String href) {
            int colon = href.indexOf(':');
            return colon <= 0 ? "" : href.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
        }
    }
}
