package aegis.cli;

import aegis.config.Settings;
import aegis.governance.Actor;
import aegis.governance.AuditTrail;
import java.util.Map;

/**
 * The command line's operator actions into the audit trail, as the Unix user running it. A
 * failure to record is said on stderr and does not undo what the command did.
 */
final class OperatorAudit {
    private OperatorAudit() {
    }

    static void record(Settings settings, String action, String subject, Map<String, ?> detail, String result) {
        try {
            new AuditTrail(DirectDatabase.open(settings)).operatorAction(Actor.unixUser(), action, subject, detail,
                    result);
        } catch (RuntimeException e) {
            System.err.println("aegis: warning: the audit trail did not record " + action + ": " + e.getMessage());
        }
    }
}
