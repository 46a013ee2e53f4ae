package aegis.governance;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Told of a pause or resume inside its transaction (on {@code c}), so that what it sends
 * (dispatch's NOTIFY to every instance) goes out exactly when the change commits. Dispatch
 * implements it: governance may not use dispatch.
 */
public interface PauseListener {
    void changed(Connection c, PauseChange change) throws SQLException;
}
