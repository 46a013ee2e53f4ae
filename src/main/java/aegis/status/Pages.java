package aegis.status;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import jakarta.inject.Singleton;
import java.util.Map;

/**
 * The status page's HTML, from the templates under src/main/jte that the build compiled into
 * {@code aegis.status.page}. HTML content type: every value a template writes is escaped for
 * where it lands (text, attribute, URL), so task names and agent output cannot become markup.
 */
@Singleton
public final class Pages {
    private final TemplateEngine engine = TemplateEngine.createPrecompiled(null, ContentType.Html,
            Pages.class.getClassLoader(), "aegis.status.page");

    public String index(Status status, Executions.Page recent, DayChart chart, boolean older) {
        return render("index.jte", Map.of("status", status, "recent", recent, "chart", chart, "older", older));
    }

    public String execution(Executions.Detail detail) {
        return render("execution.jte", Map.of("detail", detail));
    }

    private String render(String template, Map<String, Object> params) {
        StringOutput out = new StringOutput();
        engine.render(template, params, out);
        return out.toString();
    }
}
