package aegis.config;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The logging set-up, in code rather than a logback.xml: reading XML costs logback's whole
 * configuration framework and an XML parser, a tenth of a second of every start. Logback finds
 * this class through META-INF/services. One line per event, key=value, on standard error; line
 * breaks inside a message or an exception are folded so one event stays one line, and anything
 * shaped like a credential (bearer tokens, password=, token=, secret=, Aegis API keys) is masked
 * as a second line of defence.
 */
public final class LogbackConfigurator extends ContextAwareBase implements Configurator {
    /** The root level: a system property or environment variable of this name, else INFO. */
    public static final String LEVEL = "AEGIS_LOG_LEVEL";
    public static final String PATTERN = "ts=%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX,UTC} level=%level logger=%logger{0} "
            + "thread=%replace(%thread){'\\s', '_'} "
            + "%replace(%replace(%msg){'[\\r\\n\\t]+', ' '}){'(?i)(bearer\\s+|password=|passwd=|token=|secret="
            + "|x-hook-secret:\\s*)[^\\s&;,\"]+|aegis_[A-Za-z0-9_-]{20,}', '$1***'}"
            + "%replace(%replace(%ex{short}){'[\\r\\n\\t]+', ' '}){'^\\s*(\\S.*?)\\s*$', ' exception=\"$1\"'}%nopex%n";
    /** Libraries that say too much at INFO. */
    private static final Map<String, Level> QUIET = Map.of("com.zaxxer.hikari", Level.WARN,
            "org.flywaydb", Level.WARN, "io.micronaut", Level.WARN, "io.netty", Level.WARN,
            "org.quartz", Level.WARN);

    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        if (System.getProperty("logback.configurationFile") != null) {
            // An operator's own logback file, named as logback reads it: that configures, not this.
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern(PATTERN);
        encoder.start();

        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(ctx);
        appender.setName("STDOUT");
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();

        QUIET.forEach((name, level) -> ctx.getLogger(name).setLevel(level));
        ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level(), Level.INFO));
        root.addAppender(appender);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static String level() {
        String v = System.getProperty(LEVEL);
        return v != null ? v : System.getenv(LEVEL);
    }
}
