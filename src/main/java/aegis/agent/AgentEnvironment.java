package aegis.agent;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The environment of an agent process: only allow-listed variables, and never one of
 * Aegis's secrets even when listed — not by name (ASANA_ACCESS_TOKEN, AEGIS_DATABASE_PASSWORD,
 * AEGIS_SECRET_KEY, any AEGIS_* or ASANA_* setting, LLM keys such as ANTHROPIC_API_KEY,
 * OPENAI_API_KEY or the one named by agents.llm.api_key_env) and not by value (a variable
 * holding the same value as a secret under another name).
 */
public final class AgentEnvironment {
    static final Set<String> SECRET_NAMES = Set.of("ASANA_ACCESS_TOKEN", "AEGIS_DATABASE_PASSWORD",
            "AEGIS_SECRET_KEY", "AEGIS_TEST_DATABASE_PASSWORD", "ANTHROPIC_API_KEY", "OPENAI_API_KEY",
            "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN");

    private final List<String> allow;
    private final Set<String> extraSecretNames;

    public AgentEnvironment(List<String> allow, Set<String> extraSecretNames) {
        this.allow = List.copyOf(allow);
        this.extraSecretNames = Set.copyOf(extraSecretNames);
    }

    /** Whether {@code name} is one Aegis never hands to an agent. */
    public boolean isSecret(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        return SECRET_NAMES.contains(n) || extraSecretNames.contains(name)
                || n.startsWith("AEGIS_") || n.startsWith("ASANA_");
    }

    /** The allow-listed names this environment refuses to pass anyway (for a warning at start). */
    public List<String> refusedNames() {
        return allow.stream().filter(this::isSecret).toList();
    }

    public Map<String, String> build(Map<String, String> base) {
        Set<String> secretValues = new HashSet<>();
        base.forEach((k, v) -> {
            if (isSecret(k) && v != null && v.length() >= 8) {
                secretValues.add(v);
            }
        });
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : allow) {
            String v = base.get(name);
            if (v != null && !isSecret(name) && !secretValues.contains(v)) {
                out.put(name, v);
            }
        }
        return out;
    }
}
