package aegis.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads a coding-agent CLI's {@code --output-format stream-json} output as it is written (Claude
 * Code: one JSON object a line) and tells the run's context what a person would want to see:
 * each tool use as a step ("Read src/App.java", "Ran mvn test") and the tokens spent so far. Lines
 * that are not such JSON, unknown types and unknown fields are skipped: an odd line never fails a
 * run, and a program that prints plain text simply shows no steps.
 */
final class StreamJsonSteps {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A longer line (a huge tool result) is not parsed: it holds no step worth the memory. */
    private static final int MAX_LINE = 1 << 20;

    private final AgentContext context;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private boolean overlong;
    private String cwd = "";
    private long inputTokens;
    private long outputTokens;

    StreamJsonSteps(AgentContext context) {
        this.context = context;
    }

    /** Bytes as the program wrote them; complete lines are read. */
    void feed(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (b[i] == '\n') {
                if (!overlong) {
                    line(line.toString(StandardCharsets.UTF_8));
                }
                line.reset();
                overlong = false;
            } else if (!overlong) {
                if (line.size() >= MAX_LINE) {
                    overlong = true;
                    line.reset();
                } else {
                    line.write(b[i]);
                }
            }
        }
    }

    void line(String text) {
        String s = text.strip();
        if (!s.startsWith("{")) {
            return;
        }
        JsonNode n;
        try {
            n = JSON.readTree(s);
        } catch (Exception e) {
            return;
        }
        if (n == null || !n.isObject()) {
            return;
        }
        switch (n.path("type").asText("")) {
            case "system" -> cwd = n.path("cwd").asText("");
            case "assistant" -> assistant(n.path("message"));
            default -> {
            }
        }
    }

    private void assistant(JsonNode message) {
        for (JsonNode block : message.path("content")) {
            if ("tool_use".equals(block.path("type").asText())) {
                context.step(describe(block.path("name").asText("a tool"), block.path("input")));
            }
        }
        JsonNode u = message.path("usage");
        if (u.isObject()) {
            inputTokens += u.path("input_tokens").asLong(0) + u.path("cache_creation_input_tokens").asLong(0)
                    + u.path("cache_read_input_tokens").asLong(0);
            outputTokens += u.path("output_tokens").asLong(0);
            context.usageSoFar(new Usage(inputTokens, outputTokens, java.math.BigDecimal.ZERO));
        }
    }

    /** One tool use in a person's words. */
    String describe(String tool, JsonNode input) {
        String file = path(input.path("file_path").asText(input.path("notebook_path").asText("")));
        return switch (tool) {
            case "Read" -> "Read " + file;
            case "Edit", "MultiEdit", "NotebookEdit" -> "Edited " + file;
            case "Write" -> "Wrote " + file;
            case "Bash" -> "Ran " + firstLine(input.path("command").asText(""));
            case "Grep" -> "Searched for " + input.path("pattern").asText("");
            case "Glob" -> "Listed " + input.path("pattern").asText("");
            case "WebFetch" -> "Fetched " + input.path("url").asText("");
            case "WebSearch" -> "Searched the web for " + input.path("query").asText("");
            case "TodoWrite" -> "Updated its plan";
            case "Task" -> "Started a sub-agent: " + input.path("description").asText("");
            default -> "Used " + tool.toLowerCase(Locale.ROOT);
        };
    }

    private String path(String p) {
        if (!cwd.isEmpty() && p.startsWith(cwd + "/")) {
            return p.substring(cwd.length() + 1);
        }
        return p;
    }

    private static String firstLine(String command) {
        String c = command.strip();
        int nl = c.indexOf('\n');
        c = nl < 0 ? c : c.substring(0, nl) + " …";
        return c.length() > 100 ? c.substring(0, 99) + "…" : c;
    }
}
