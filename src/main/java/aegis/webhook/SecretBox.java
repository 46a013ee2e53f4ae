package aegis.webhook;

import aegis.config.ConfigException;
import aegis.config.Settings;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts webhook secrets for storage with AES-256-GCM under {@code AEGIS_SECRET_KEY}
 * (base64 of 32 bytes). Stored form: 12-byte nonce followed by ciphertext and tag. The
 * subscription id is bound in as associated data, so a ciphertext copied onto another
 * row does not decrypt.
 */
public final class SecretBox {
    public static final String SETTING = "AEGIS_SECRET_KEY";
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;

    /** How to make a key, for the errors that ask for one. */
    static final String MAKE_ONE = "generate one with: head -c 32 /dev/urandom | base64";

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    public SecretBox(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("an AES-256 key has 32 bytes");
        }
        this.key = new SecretKeySpec(key.clone(), "AES");
    }

    /** The box for {@code AEGIS_SECRET_KEY}, or empty when it is not set. */
    public static Optional<SecretBox> fromSettings(Settings settings) {
        return settings.string(SETTING).map(SecretBox::parse);
    }

    static SecretBox parse(String value) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(value.trim());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(SETTING, "must be base64 of 32 random bytes (it is not valid base64); "
                    + MAKE_ONE);
        }
        if (raw.length != 32) {
            throw new ConfigException(SETTING, "must be base64 of exactly 32 bytes, it decodes to "
                    + raw.length + "; " + MAKE_ONE);
        }
        return new SecretBox(raw);
    }

    public byte[] seal(String plaintext, String associatedData) {
        try {
            byte[] nonce = new byte[NONCE];
            random.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE + ct.length];
            System.arraycopy(nonce, 0, out, 0, NONCE);
            System.arraycopy(ct, 0, out, NONCE, ct.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        }
    }

    /** The plaintext; {@link SecretUnreadable} when the key or the associated data is wrong. */
    public String open(byte[] sealed, String associatedData) {
        if (sealed == null || sealed.length <= NONCE) {
            throw new SecretUnreadable();
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE));
            c.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            return new String(c.doFinal(sealed, NONCE, sealed.length - NONCE), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new SecretUnreadable();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        }
    }

    @Override
    public String toString() {
        return "SecretBox[AES-256-GCM]";
    }

    /** A stored secret that this key cannot open (another key, or tampered). */
    public static final class SecretUnreadable extends RuntimeException {
        public SecretUnreadable() {
            super("stored secret cannot be decrypted with AEGIS_SECRET_KEY (different key or altered row)");
        }
    }
}
