package aegis.config;

/** A missing or malformed setting. The message names the setting and how to set it. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String setting, String problem) {
        super(setting + ": " + problem);
    }
}
