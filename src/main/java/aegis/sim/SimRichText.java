package aegis.sim;

import java.io.StringReader;
import java.util.Map;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;

/**
 * The simulator's check of rich text written to a story ({@code html_text}), as Asana does it
 * (developers.asana.com "Rich text"): valid XML with a {@code <body>} root, only Asana's tags,
 * attributes only where Asana reads them, and its nesting rules (headings hold inline text only;
 * no list, heading, quote or code block inside a heading, quote or code block; no heading, quote
 * or code block inside a list item). Anything else is refused with a 400, like Asana. Also derives
 * the plain {@code text} Asana returns for rich text.
 */
final class SimRichText {
    private static final Set<String> INLINE = Set.of("strong", "em", "u", "s", "code", "a");
    private static final Set<String> BLOCK = Set.of("ul", "ol", "li", "blockquote", "pre", "h1", "h2", "hr", "img");
    private static final Map<String, Set<String>> ATTRIBUTES = Map.of(
            "a", Set.of("href", "data-asana-gid", "data-asana-project", "data-asana-type", "data-asana-accessible",
                    "data-asana-dynamic"),
            "img", Set.of("data-gid", "src", "alt", "style"));
    private static final Set<String> NO_BLOCKS_INSIDE = Set.of("h1", "h2", "blockquote", "pre");
    private static final Set<String> NOT_IN_ITEMS = Set.of("h1", "h2", "blockquote", "pre");

    private SimRichText() {
    }

    /** The plain text of valid rich text; a {@link SimError} 400 naming the problem otherwise. */
    static String validate(String html) {
        Element body = parse(html);
        if (!"body".equals(body.getTagName())) {
            throw SimError.badRequest("html_text: XML root must be <body>, got <" + body.getTagName() + ">");
        }
        check(body, false, false);
        StringBuilder text = new StringBuilder();
        text(body, text);
        return text.toString();
    }

    private static Element parse(String html) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            return b.parse(new InputSource(new StringReader(html))).getDocumentElement();
        } catch (Exception e) {
            throw SimError.badRequest("html_text: is not valid XML: " + e.getMessage());
        }
    }

    private static void check(Element e, boolean inBlockHolder, boolean inItem) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (!(n instanceof Element c)) {
                if (n.getNodeType() == Node.TEXT_NODE && Set.of("h1", "h2").contains(e.getTagName())
                        && n.getNodeValue().contains("\n")) {
                    throw SimError.badRequest("html_text: a header may not contain a newline");
                }
                continue;
            }
            String tag = c.getTagName();
            if (!INLINE.contains(tag) && !BLOCK.contains(tag)) {
                throw SimError.badRequest("html_text: unsupported tag <" + tag + ">");
            }
            NamedNodeMap attrs = c.getAttributes();
            for (int i = 0; i < attrs.getLength(); i++) {
                String a = attrs.item(i).getNodeName();
                if (!ATTRIBUTES.getOrDefault(tag, Set.of()).contains(a)) {
                    throw SimError.badRequest("html_text: attribute '" + a + "' is not allowed on <" + tag + ">");
                }
            }
            boolean block = BLOCK.contains(tag) && !"li".equals(tag);
            if (block && inBlockHolder) {
                throw SimError.badRequest("html_text: <" + tag + "> is not allowed inside <" + e.getTagName() + ">");
            }
            if (inItem && NOT_IN_ITEMS.contains(tag)) {
                throw SimError.badRequest("html_text: <" + tag + "> is not allowed inside a list item");
            }
            if ("li".equals(tag) != ("ul".equals(e.getTagName()) || "ol".equals(e.getTagName()))) {
                throw SimError.badRequest("html_text: <li> belongs directly in <ul> or <ol>, and only there");
            }
            check(c, inBlockHolder || NO_BLOCKS_INSIDE.contains(tag) || (INLINE.contains(tag)),
                    inItem || "li".equals(tag));
        }
    }

    private static void text(Node n, StringBuilder sb) {
        for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element el) {
                String tag = el.getTagName();
                if ("li".equals(tag) && sb.length() > 0 && sb.charAt(sb.length() - 1) != '\n') {
                    sb.append('\n');
                }
                text(el, sb);
                if (Set.of("li", "h1", "h2", "pre", "blockquote", "ul", "ol").contains(tag)
                        && (sb.length() == 0 || sb.charAt(sb.length() - 1) != '\n')) {
                    sb.append('\n');
                }
            } else if (c.getNodeType() == Node.TEXT_NODE || c.getNodeType() == Node.CDATA_SECTION_NODE) {
                sb.append(c.getNodeValue());
            }
        }
    }
}
