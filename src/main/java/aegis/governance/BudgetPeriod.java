package aegis.governance;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;

/** A cap's period, in UTC: a day from 00:00, a month from the 1st. */
public enum BudgetPeriod {
    DAY, MONTH;

    public static BudgetPeriod parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "day" -> DAY;
            case "month" -> MONTH;
            default -> throw new IllegalArgumentException("'" + text + "' is not a budget period: use day or month");
        };
    }

    /** When the period holding {@code now} began. */
    public Instant start(Instant now) {
        LocalDate d = now.atZone(ZoneOffset.UTC).toLocalDate();
        return (this == DAY ? d : d.withDayOfMonth(1)).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** When the period holding {@code now} ends (the next one begins). */
    public Instant end(Instant now) {
        LocalDate d = now.atZone(ZoneOffset.UTC).toLocalDate();
        return (this == DAY ? d.plusDays(1) : d.withDayOfMonth(1).plusMonths(1)).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
