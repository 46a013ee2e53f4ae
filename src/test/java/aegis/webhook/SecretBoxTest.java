package aegis.webhook;

import aegis.asana.WebhookSignature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.config.ConfigException;
import aegis.config.Settings;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretBoxTest {
    static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    @Test
    void sealsAndOpensBoundToTheRow() {
        SecretBox box = SecretBox.fromSettings(Settings.of(Map.of(SecretBox.SETTING, KEY))).orElseThrow();
        byte[] sealed = box.seal("hook-secret-123", "row-a");
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("hook-secret-123");
        assertThat(box.open(sealed, "row-a")).isEqualTo("hook-secret-123");
        assertThatThrownBy(() -> box.open(sealed, "row-b")).isInstanceOf(SecretBox.SecretUnreadable.class);
        assertThat(box.seal("hook-secret-123", "row-a")).isNotEqualTo(sealed);
    }

    @Test
    void anotherKeyCannotOpen() {
        byte[] other = new byte[32];
        other[0] = 1;
        byte[] sealed = new SecretBox(new byte[32]).seal("s", "r");
        assertThatThrownBy(() -> new SecretBox(other).open(sealed, "r"))
                .isInstanceOf(SecretBox.SecretUnreadable.class)
                .hasMessageNotContaining("s\"");
    }

    @Test
    void malformedKeysAreConfigErrorsNamingTheSetting() {
        assertThatThrownBy(() -> SecretBox.fromSettings(Settings.of(Map.of(SecretBox.SETTING, "not base64!"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("AEGIS_SECRET_KEY")
                .hasMessageContaining("base64");
        String short16 = Base64.getEncoder().encodeToString(new byte[16]);
        assertThatThrownBy(() -> SecretBox.fromSettings(Settings.of(Map.of(SecretBox.SETTING, short16))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("32 bytes")
                .hasMessageContaining("16");
        assertThat(SecretBox.fromSettings(Settings.of(Map.of()))).isEmpty();
    }

    @Test
    void signatureIsHexHmacAndChecksContent() {
        byte[] body = "{\"events\":[]}".getBytes(StandardCharsets.UTF_8);
        String sig = WebhookSignature.sign("secret", body);
        assertThat(sig).matches("[0-9a-f]{64}");
        assertThat(WebhookSignature.verify("secret", body, sig)).isTrue();
        assertThat(WebhookSignature.verify("secret", body, sig.toUpperCase())).isTrue();
        assertThat(WebhookSignature.verify("other", body, sig)).isFalse();
        assertThat(WebhookSignature.verify("secret", "{\"events\":[ ]}".getBytes(StandardCharsets.UTF_8), sig)).isFalse();
        assertThat(WebhookSignature.verify("secret", body, null)).isFalse();
        assertThat(WebhookSignature.verify("secret", body, "")).isFalse();
    }
}
