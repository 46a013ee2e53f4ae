package aegis.asana;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Asana's webhook signature: {@code X-Hook-Signature} is the lowercase hex HMAC-SHA256 of the
 * raw request body under the secret exchanged in the handshake. The simulator signs with it,
 * the receiver verifies with it.
 */
public final class WebhookSignature {
    private static final String ALGORITHM = "HmacSHA256";

    private WebhookSignature() {
    }

    /** Hex HMAC-SHA256 of {@code body} under {@code secret}. */
    public static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /**
     * True when {@code signature} (hex, any case) is the signature of {@code body}; compares in
     * constant time so a forger learns nothing from timing. Null or malformed input is false.
     */
    public static boolean verify(String secret, byte[] body, String signature) {
        if (secret == null || body == null || signature == null) {
            return false;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(signature.trim().toLowerCase());
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] expected = HexFormat.of().parseHex(sign(secret, body));
        return MessageDigest.isEqual(expected, given);
    }
}
