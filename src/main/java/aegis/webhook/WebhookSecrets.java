package aegis.webhook;

import aegis.config.AegisConfig;
import aegis.config.Settings;
import io.micronaut.context.annotation.Context;
import java.util.Optional;

/**
 * The daemon's {@link SecretBox}, read when the context starts: a malformed
 * {@code AEGIS_SECRET_KEY}, or none while {@code AEGIS_PUBLIC_URL} asks for webhooks, fails
 * the start with a ConfigException.
 */
@Context
public final class WebhookSecrets {
    private final Optional<SecretBox> box;

    public WebhookSecrets(Settings settings, AegisConfig config) {
        this.box = SecretBox.fromSettings(settings);
        if (box.isEmpty() && config.publicUrl().isPresent()) {
            throw new aegis.config.ConfigException(SecretBox.SETTING, "is required when AEGIS_PUBLIC_URL is set "
                    + "(webhook secrets are stored encrypted under it); " + SecretBox.MAKE_ONE);
        }
    }

    public SecretBox required(String why) {
        return box.orElseThrow(() -> new aegis.config.ConfigException(SecretBox.SETTING,
                "is required " + why + "; " + SecretBox.MAKE_ONE));
    }
}
