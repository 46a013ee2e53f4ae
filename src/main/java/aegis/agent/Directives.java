package aegis.agent;

import aegis.config.ConfigException;
import aegis.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The global directives every prompt may include as {@code {{directives}}}: the text of
 * {@code AEGIS_DIRECTIVES}, or the contents of the file named by {@code AEGIS_DIRECTIVES_FILE}
 * (read once at start). Empty when neither is set.
 */
public record Directives(String text) {
    public static Directives read(Settings settings) {
        var inline = settings.string("AEGIS_DIRECTIVES");
        var file = settings.string("AEGIS_DIRECTIVES_FILE");
        if (inline.isPresent() && file.isPresent()) {
            throw new ConfigException("AEGIS_DIRECTIVES_FILE", "set either AEGIS_DIRECTIVES or AEGIS_DIRECTIVES_FILE, not both");
        }
        if (file.isPresent()) {
            try {
                return new Directives(Files.readString(Path.of(file.get())).strip());
            } catch (IOException e) {
                throw new ConfigException("AEGIS_DIRECTIVES_FILE", "cannot read " + file.get()
                        + "; point it at a readable text file or unset it");
            }
        }
        return new Directives(inline.orElse(""));
    }
}
