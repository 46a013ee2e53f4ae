package aegis.db;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A write that rides in an execution's transition statement as a common table expression
 * ({@code name AS (INSERT … | UPDATE …)}): the transition and what is recorded with it (the
 * attempt's events, the worker's row) cost one round trip and one commit. A part may read
 * {@code done} (the transitioned row's {@code id}, present only when the transition applied)
 * and, in a statement that claims, {@code claimed} (the execution claimed next, if any).
 * A part must not change the rows those change: PostgreSQL applies only one of two changes
 * made to a row by one statement.
 */
public interface StatementPart {
    StatementPart NONE = new StatementPart() {
        @Override
        public String cte() {
            return "";
        }

        @Override
        public int bind(PreparedStatement ps, int first) {
            return first;
        }
    };

    /** {@code name AS (…)}, or empty for nothing to add. */
    String cte();

    /** Binds this part's parameters from index {@code first}; returns the next free index. */
    int bind(PreparedStatement ps, int first) throws SQLException;

    /** The parts in order, as one. */
    static StatementPart of(StatementPart... parts) {
        List<StatementPart> some = new ArrayList<>();
        for (StatementPart p : parts) {
            if (p != null && !p.cte().isEmpty()) {
                some.add(p);
            }
        }
        if (some.isEmpty()) {
            return NONE;
        }
        String[] texts = new String[some.size() * 2 - 1];
        for (int i = 0; i < some.size(); i++) {
            texts[2 * i] = some.get(i).cte();
            if (i > 0) {
                texts[2 * i - 1] = ",\n";
            }
        }
        String cte = SqlText.of(texts);
        return new StatementPart() {
            @Override
            public String cte() {
                return cte;
            }

            @Override
            public int bind(PreparedStatement ps, int first) throws SQLException {
                int i = first;
                for (StatementPart p : some) {
                    i = p.bind(ps, i);
                }
                return i;
            }
        };
    }
}
