package aegis.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Who must approve what before the bot acts, per project ({@code projects.<gid>.approval},
 * {@code approvers}, {@code approval_timeout}), with the global default wait
 * {@code AEGIS_APPROVAL_TIMEOUT} (7d). A task tagged {@link #APPROVE_TAG} waits before its run
 * whatever its project says.
 */
public record ApprovalSettings(Map<String, Project> byGid, Duration defaultTimeout) {
    public static final String TIMEOUT = "AEGIS_APPROVAL_TIMEOUT";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofDays(7);
    /** The tag that makes a task wait for approval before its run, in any project. */
    public static final String APPROVE_TAG = "aegis:approve";

    public enum Mode {
        NONE, BEFORE_RUN, BEFORE_FINISH;

        public String setting() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Mode parse(String where, Object raw) {
            if (raw == null || String.valueOf(raw).isBlank()) {
                return NONE;
            }
            String v = String.valueOf(raw).trim().toLowerCase(Locale.ROOT);
            for (Mode m : values()) {
                if (m.setting().equals(v)) {
                    return m;
                }
            }
            throw new ConfigException(where, "must be none, before_run or before_finish, got '" + raw + "'");
        }
    }

    /** One project's rule; an empty {@code approvers} means anyone but the bot. */
    public record Project(Mode mode, List<String> approvers, Duration timeout) {
        public Project {
            approvers = List.copyOf(approvers);
        }
    }

    public Project forProject(String gid) {
        Project p = byGid.get(gid);
        return p != null ? p : new Project(Mode.NONE, List.of(), defaultTimeout);
    }

    public static ApprovalSettings read(Settings settings) {
        Duration global = settings.duration(TIMEOUT, DEFAULT_TIMEOUT, Duration.ofSeconds(1));
        Map<String, Project> out = new LinkedHashMap<>();
        // ProjectSettings.read has already refused a projects section of the wrong shape.
        if (settings.section("projects").orElse(null) instanceof Map<?, ?> projects) {
            projects.forEach((k, v) -> {
                if (v instanceof Map<?, ?> opts) {
                    String where = "projects." + k;
                    Object timeout = opts.get("approval_timeout");
                    out.put(String.valueOf(k), new Project(Mode.parse(where + ".approval", opts.get("approval")),
                            ProjectSettings.strings(opts.get("approvers"), where + ".approvers"),
                            timeout == null ? global
                                    : Durations.parse(where + ".approval_timeout", timeout, Duration.ofSeconds(1))));
                }
            });
        }
        return new ApprovalSettings(Map.copyOf(out), global);
    }

    /** The settings with nothing to approve anywhere (tests, tools). */
    public static ApprovalSettings none() {
        return new ApprovalSettings(Map.of(), DEFAULT_TIMEOUT);
    }
}
