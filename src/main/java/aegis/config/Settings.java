package aegis.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Raw settings: the environment, over an optional YAML file named by {@code AEGIS_CONFIG}
 * whose top-level keys are the same names as the environment variables
 * ({@code AEGIS_HTTP_PORT: 9090}). Nested sections (per-project options, agents)
 * are kept as structured values for the parts of Aegis that read them.
 */
public final class Settings {
    public static final String CONFIG_FILE = "AEGIS_CONFIG";

    private final Map<String, Object> values;

    private Settings(Map<String, Object> values) {
        this.values = Map.copyOf(values);
    }

    public static Settings fromEnvironment() {
        return from(System.getenv());
    }

    public static Settings from(Map<String, String> env) {
        Map<String, Object> merged = new LinkedHashMap<>();
        String file = env.get(CONFIG_FILE);
        if (file != null && !file.isBlank()) {
            merged.putAll(readYaml(Path.of(file)));
        }
        env.forEach((k, v) -> {
            if (v != null && !v.isEmpty()) {
                merged.put(k, v);
            }
        });
        return new Settings(merged);
    }

    public static Settings of(Map<String, ?> values) {
        return new Settings(new HashMap<>(values));
    }

    /** These settings with {@code name} set to {@code value}. */
    public Settings with(String name, Object value) {
        Map<String, Object> m = new HashMap<>(values);
        m.put(name, value);
        return new Settings(m);
    }

    private static Map<String, Object> readYaml(Path path) {
        if (!Files.isReadable(path)) {
            throw new ConfigException(CONFIG_FILE, "file " + path + " is not readable; point "
                    + CONFIG_FILE + " at a YAML file or unset it");
        }
        try (Reader reader = Files.newBufferedReader(path)) {
            Object loaded = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
            if (loaded == null) {
                return Map.of();
            }
            if (!(loaded instanceof Map<?, ?> map)) {
                throw new ConfigException(CONFIG_FILE, "file " + path
                        + " must hold a YAML mapping of setting names to values");
            }
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> {
                if (v != null) {
                    out.put(String.valueOf(k), v);
                }
            });
            return out;
        } catch (IOException | RuntimeException e) {
            if (e instanceof ConfigException ce) {
                throw ce;
            }
            throw new ConfigException(CONFIG_FILE, "file " + path + " is not valid YAML: "
                    + e.getMessage());
        }
    }

    public Optional<String> string(String name) {
        Object v = values.get(name);
        if (v == null || v instanceof Map || v instanceof Iterable) {
            return Optional.empty();
        }
        String s = String.valueOf(v).trim();
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    public String required(String name, String howToSet) {
        return string(name).orElseThrow(() -> new ConfigException(name,
                "is required but not set; " + howToSet));
    }

    public int integer(String name, int defaultValue, int min, int max) {
        Optional<String> raw = string(name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            int v = Integer.parseInt(raw.get());
            if (v < min || v > max) {
                throw new ConfigException(name, "must be between " + min + " and " + max
                        + ", got " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ConfigException(name, "must be a whole number, got '" + raw.get() + "'");
        }
    }

    /** A length of time in the grammar of {@link Durations}, at least {@code min}; the default when unset. */
    public Duration duration(String name, Duration defaultValue, Duration min) {
        return string(name).map(v -> Durations.parse(name, v, min)).orElse(defaultValue);
    }

    public Optional<Object> section(String name) {
        return Optional.ofNullable(values.get(name));
    }
}
