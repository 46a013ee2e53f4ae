package aegis.asana;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {
    @Test
    void signsWithHexHmacSha256AndVerifiesInAnyCase() {
        byte[] body = "{\"events\":[]}".getBytes(StandardCharsets.UTF_8);
        // Reference value: printf '{"events":[]}' | openssl dgst -sha256 -hmac s3cret
        String sig = WebhookSignature.sign("s3cret", body);
        assertThat(sig).isEqualTo("66e558d03919c6fa065e88fe40f06defe8192f6a30d4aa72fa79bdd775efa48c");
        assertThat(WebhookSignature.verify("s3cret", body, sig)).isTrue();
        assertThat(WebhookSignature.verify("s3cret", body, sig.toUpperCase())).isTrue();
        assertThat(WebhookSignature.verify("other", body, sig)).isFalse();
        assertThat(WebhookSignature.verify("s3cret", "{\"events\":[1]}".getBytes(StandardCharsets.UTF_8), sig)).isFalse();
        assertThat(WebhookSignature.verify("s3cret", body, "not-hex")).isFalse();
        assertThat(WebhookSignature.verify("s3cret", body, null)).isFalse();
        assertThat(WebhookSignature.verify("s3cret", body, sig.substring(2))).isFalse();
    }
}
