package aegis.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One bot user Aegis works as, from the {@code bots:} section of the YAML file:
 * <pre>
 * bots:
 *   - name: reviewer                 # how executions, logs and budgets (scope bot:reviewer) name it
 *     token_env: REVIEWER_ASANA_TOKEN # the setting that holds its Asana token (never the token itself)
 *     persona: "You review code strictly and briefly."   # or persona_file: /etc/aegis/reviewer.md
 *     agent: llm                     # its default kind (a task's tag or custom field still picks first)
 *     allowed_agents: [command]      # further kinds its tasks may pick
 *     projects: ["1200000000000001"] # the tracked projects it serves (default: all)
 * </pre>
 * {@code ASANA_ACCESS_TOKEN} is always the first bot, named {@code aegis}; an entry named
 * {@code aegis} configures that bot (its {@code token_env}, if given, must be ASANA_ACCESS_TOKEN).
 * The token is never part of {@link #toString()}.
 */
public record BotSettings(String name, String tokenEnv, String token, String persona, Optional<String> agent,
                          List<String> allowedAgents, List<String> projects) {
    public static final String MAIN = "aegis";
    public static final String MAIN_TOKEN_ENV = "ASANA_ACCESS_TOKEN";
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,39}");
    private static final Pattern GID = Pattern.compile("\\d{1,32}");
    private static final Set<String> KEYS = Set.of("name", "token_env", "persona", "persona_file", "agent",
            "allowed_agents", "projects");

    public BotSettings {
        allowedAgents = List.copyOf(allowedAgents);
        projects = List.copyOf(projects);
    }

    /** Whether this bot works on tasks of {@code projectGid}. */
    public boolean serves(String projectGid) {
        return projects.isEmpty() || projects.contains(projectGid);
    }

    /** The kinds its tasks may run beyond the project's: its own, then those it lists. */
    public List<String> ownKinds() {
        java.util.LinkedHashSet<String> kinds = new java.util.LinkedHashSet<>();
        agent.ifPresent(kinds::add);
        kinds.addAll(allowedAgents);
        return List.copyOf(kinds);
    }

    @Override
    public String toString() {
        return "Bot[name=" + name + ", token_env=" + tokenEnv + ", agent=" + agent.orElse("-")
                + ", allowed_agents=" + allowedAgents + ", projects=" + (projects.isEmpty() ? "all" : projects) + "]";
    }

    /** Every bot, the main one ({@value #MAIN}) first. */
    public record All(List<BotSettings> bots) {
        public All {
            bots = List.copyOf(bots);
        }

        public BotSettings main() {
            return bots.get(0);
        }

        public Optional<BotSettings> named(String name) {
            return bots.stream().filter(b -> b.name().equals(name)).findFirst();
        }
    }

    /** The bots of {@code settings}; {@code mainToken} is ASANA_ACCESS_TOKEN's value, as validated. */
    public static All read(Settings settings, String mainToken) {
        Object section = settings.section("bots").orElse(null);
        if (section != null && !(section instanceof List)) {
            throw new ConfigException("bots", "must be a YAML list of bots, e.g. [{name: reviewer, token_env: "
                    + "REVIEWER_ASANA_TOKEN}]");
        }
        Map<String, BotSettings> out = new LinkedHashMap<>();
        out.put(MAIN, new BotSettings(MAIN, MAIN_TOKEN_ENV, mainToken, "", Optional.empty(), List.of(), List.of()));
        List<?> entries = section == null ? List.of() : (List<?>) section;
        Set<String> named = new java.util.HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            String where = "bots[" + i + "]";
            if (!(entries.get(i) instanceof Map<?, ?> m)) {
                throw new ConfigException(where, "must be a mapping with at least name and token_env");
            }
            for (Object key : m.keySet()) {
                if (!KEYS.contains(String.valueOf(key))) {
                    throw new ConfigException(where + "." + key, "is not a bot option; use one of " + new TreeSet<>(KEYS));
                }
            }
            String name = text(m, "name").orElseThrow(() -> new ConfigException(where + ".name",
                    "is required: a short lower-case name such as reviewer"));
            if (!NAME.matcher(name).matches()) {
                throw new ConfigException(where + ".name", "must be lower-case letters, digits, '-' or '_', "
                        + "starting with a letter (at most 40), got '" + name + "'");
            }
            String at = "bots." + name;
            if (!named.add(name)) {
                throw new ConfigException(at, "is named twice; each bot needs its own name");
            }
            Optional<String> tokenEnv = text(m, "token_env");
            String token;
            if (name.equals(MAIN)) {
                if (tokenEnv.isPresent() && !tokenEnv.get().equals(MAIN_TOKEN_ENV)) {
                    throw new ConfigException(at + ".token_env", "the bot named aegis is the one of " + MAIN_TOKEN_ENV
                            + "; give this bot another name or set token_env: " + MAIN_TOKEN_ENV);
                }
                token = mainToken;
            } else {
                String env = tokenEnv.orElseThrow(() -> new ConfigException(at + ".token_env",
                        "is required: the name of the setting that holds this bot's Asana token"));
                token = settings.string(env).orElseThrow(() -> new ConfigException(at + ".token_env",
                        "names " + env + ", which is not set; set " + env + " to the personal access token of the "
                                + "Asana user of bot '" + name + "'"));
            }
            Optional<String> persona = text(m, "persona");
            Optional<String> personaFile = text(m, "persona_file");
            if (persona.isPresent() && personaFile.isPresent()) {
                throw new ConfigException(at, "give persona or persona_file, not both");
            }
            String personaText = persona.orElse(personaFile.map(f -> readPersona(at + ".persona_file", f)).orElse(""));
            List<String> projects = strings(m.get("projects"), at + ".projects");
            for (String p : projects) {
                if (!GID.matcher(p).matches()) {
                    throw new ConfigException(at + ".projects", "must list project gids (digits only), got '" + p + "'");
                }
            }
            out.put(name, new BotSettings(name, name.equals(MAIN) ? MAIN_TOKEN_ENV : tokenEnv.get(), token,
                    personaText.strip(), text(m, "agent").map(String::toLowerCase),
                    strings(m.get("allowed_agents"), at + ".allowed_agents").stream().map(String::toLowerCase).toList(),
                    projects));
        }
        return new All(new ArrayList<>(out.values()));
    }

    private static String readPersona(String where, String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(where, "cannot read " + file + ": " + e.getMessage());
        }
    }

    private static Optional<String> text(Map<?, ?> m, String key) {
        Object v = m.get(key);
        return v == null || String.valueOf(v).isBlank() ? Optional.empty() : Optional.of(String.valueOf(v).trim());
    }

    private static List<String> strings(Object v, String where) {
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            throw new ConfigException(where, "must be a YAML list");
        }
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            if (o == null || o instanceof Map || o instanceof List) {
                throw new ConfigException(where, "must be a YAML list of plain values");
            }
            out.add(String.valueOf(o).trim());
        }
        return out;
    }
}
