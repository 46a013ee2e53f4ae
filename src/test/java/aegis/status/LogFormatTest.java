package aegis.status;

import aegis.config.LogbackConfigurator;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The shipped logging set-up (config.LogbackConfigurator): one line per event, key=value, credentials masked. */
class LogFormatTest {
    private String format(String message, Throwable error) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        @SuppressWarnings("unchecked")
        var appender = (ConsoleAppender<ch.qos.logback.classic.spi.ILoggingEvent>) root.getAppender("STDOUT");
        var encoder = (LayoutWrappingEncoder<ch.qos.logback.classic.spi.ILoggingEvent>) appender.getEncoder();
        LoggingEvent e = new LoggingEvent(LogFormatTest.class.getName(), ctx.getLogger("aegis.test"),
                Level.WARN, message, error, null);
        e.setThreadName("main");
        return encoder.getLayout().doLayout(e);
    }

    @Test
    void oneLineKeyValue() {
        String line = format("event=job_failed task=archive\nsecond line", new SQLException("boom\nmore"));
        assertThat(line).startsWith("ts=").contains("level=WARN logger=test thread=main event=job_failed task=archive second line")
                .contains(" exception=\"java.sql.SQLException: boom more");
        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
    }

    @Test
    void theRootLevelComesFromAegisLogLevelAndLibrariesStayQuiet() {
        String before = System.getProperty(LogbackConfigurator.LEVEL);
        try {
            System.setProperty(LogbackConfigurator.LEVEL, "WARN");
            LoggerContext warn = configured();
            assertThat(warn.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.WARN);
            System.clearProperty(LogbackConfigurator.LEVEL);
            LoggerContext dflt = configured();
            assertThat(dflt.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
            assertThat(dflt.getLogger("com.zaxxer.hikari.pool.HikariPool").getEffectiveLevel()).isEqualTo(Level.WARN);
            assertThat(dflt.getLogger("aegis.dispatch.WorkerPool").getEffectiveLevel()).isEqualTo(Level.INFO);
        } finally {
            if (before == null) {
                System.clearProperty(LogbackConfigurator.LEVEL);
            } else {
                System.setProperty(LogbackConfigurator.LEVEL, before);
            }
        }
    }

    @Test
    void theDaemonsLoggingIsTheShippedSetUp() {
        // Found through META-INF/services: the one the daemon (and this test JVM) runs with.
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        var appender = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("STDOUT");
        assertThat(appender).isInstanceOf(ConsoleAppender.class);
        @SuppressWarnings("unchecked")
        var encoder = (ch.qos.logback.classic.encoder.PatternLayoutEncoder)
                ((ConsoleAppender<ch.qos.logback.classic.spi.ILoggingEvent>) appender).getEncoder();
        assertThat(encoder.getPattern()).isEqualTo(LogbackConfigurator.PATTERN);
        assertThat(((ConsoleAppender<?>) appender).getTarget()).isEqualTo("System.err");
    }

    private static LoggerContext configured() {
        LoggerContext ctx = new LoggerContext();
        LogbackConfigurator c = new LogbackConfigurator();
        c.setContext(ctx);
        c.configure(ctx);
        return ctx;
    }

    @Test
    void noExceptionNoTrailer() {
        assertThat(format("event=ok", null)).doesNotContain("exception=").endsWith("event=ok\n");
    }

    @Test
    void credentialsAreMasked() {
        String line = format("event=x header=Authorization: Bearer abc.def url=jdbc:postgresql://h/db?password=hunter2&x=1 "
                + "key=aegis_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA token=1/2:abc", null);
        assertThat(line).doesNotContain("abc.def").doesNotContain("hunter2")
                .doesNotContain("AAAAAAAAAAAAAAAAAAAA").doesNotContain("1/2:abc")
                .contains("Bearer ***").contains("password=***").contains("token=***");
    }
}
