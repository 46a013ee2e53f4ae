package aegis.workspace;

import java.nio.file.Path;
import java.util.List;

/**
 * What the operator allows a sandboxed command beyond its working directory
 * ({@code agents.command.sandbox*}): whether to sandbox at all, extra writable and read-only
 * paths (e.g. the CLI's login under HOME), and whether the network is reachable.
 */
public record SandboxPolicy(boolean enabled, List<Path> writable, List<Path> readonly, boolean network) {
    public static final SandboxPolicy NONE = new SandboxPolicy(false, List.of(), List.of(), true);
    public static final SandboxPolicy DEFAULT = new SandboxPolicy(true, List.of(), List.of(), true);

    public SandboxPolicy {
        writable = List.copyOf(writable);
        readonly = List.copyOf(readonly);
    }
}
