package aegis.config;

import io.micronaut.core.convert.ConversionService;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The one grammar for a length of time in any setting: a whole number with a unit
 * ({@code 500ms}, {@code 30s}, {@code 10m}, {@code 2h}, {@code 7d}) or an ISO-8601 duration
 * ({@code PT30S}, {@code P1D}). Micronaut's own converter reads it, the one behind its
 * configuration; letters may be in either case. A number without a unit is refused rather
 * than guessed at.
 */
public final class Durations {
    /** The accepted forms, as error messages and the docs give them. */
    public static final String FORMS = "500ms, 30s, 10m, 2h, 7d or ISO-8601 PT30S";

    private Durations() {
    }

    /** The length of time {@code raw} says; empty when it says none or a negative one. */
    public static Optional<Duration> read(Object raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String v = String.valueOf(raw).trim();
        // ISO-8601 letters are upper case to Micronaut's converter, unit suffixes lower case.
        v = v.startsWith("P") || v.startsWith("p") ? v.toUpperCase(Locale.ROOT) : v.toLowerCase(Locale.ROOT);
        return ConversionService.SHARED.convert(v, Duration.class).filter(d -> !d.isNegative());
    }

    /**
     * {@code raw} as a length of time of at least {@code min}.
     *
     * @throws ConfigException naming {@code setting} when it is not one, or is shorter
     */
    public static Duration parse(String setting, Object raw, Duration min) {
        Duration d = read(raw).orElseThrow(() -> new ConfigException(setting, "must be a duration such as "
                + FORMS + "; got '" + raw + "'" + (String.valueOf(raw).trim().matches("\\d+")
                ? " (a number needs a unit: " + String.valueOf(raw).trim() + "s is seconds)" : "")));
        if (d.compareTo(min) < 0) {
            throw new ConfigException(setting, "must be at least " + format(min) + ", got '" + raw + "'");
        }
        return d;
    }

    /** {@code d} written in the grammar, in its largest whole unit: 100ms, 90s, 10m, 7d. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0 || ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        if (s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        return s % 60 == 0 ? s / 60 + "m" : s + "s";
    }
}
