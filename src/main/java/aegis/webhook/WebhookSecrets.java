package aegis.webhook;

import aegis.config.Settings;
import jakarta.inject.Singleton;
import java.util.Optional;

/** The daemon's {@link SecretBox}, read once; a malformed key fails the context at start. */
@Singleton
public final class WebhookSecrets {
    private final Optional<SecretBox> box;

    public WebhookSecrets(Settings settings) {
        this.box = SecretBox.fromSettings(settings);
    }

    public Optional<SecretBox> box() {
        return box;
    }

    public SecretBox required(String why) {
        return box.orElseThrow(() -> new aegis.config.ConfigException(SecretBox.SETTING,
                "is required " + why + "; generate one with: head -c 32 /dev/urandom | base64"));
    }
}
