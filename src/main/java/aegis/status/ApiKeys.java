package aegis.status;

import aegis.db.Jdbc;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * API keys for the status endpoints. A key is {@code aegis_} + 32 random bytes (base64url); it is
 * shown once, and only its SHA-256 is stored. Checking compares the presented key's hash with
 * every active key's in constant time.
 */
@Singleton
public final class ApiKeys {
    private static final String PREFIX = "aegis_";
    private final Jdbc jdbc;
    private final SecureRandom random = new SecureRandom();

    public ApiKeys(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** A new key: {@code key} is the only time the secret exists outside its holder. */
    public record Created(String name, String key, String prefix) {
        @Override
        public String toString() {
            return "Created[name=" + name + ", prefix=" + prefix + "]";
        }
    }

    public record Info(String name, String prefix, boolean active, String createdAt, String lastUsedAt,
                       String expiresAt) {
    }

    /** Thrown when a key of that name already exists (active or revoked). */
    public static final class NameTaken extends RuntimeException {
        public NameTaken(String name) {
            super("an API key named '" + name + "' already exists (names are never reused, even after revoke)");
        }
    }

    public Created create(String name) {
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("an API key name is 1-64 letters, digits, '.', '_' or '-'");
        }
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String key = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        String prefix = key.substring(0, PREFIX.length() + 6);
        int inserted = jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO api_keys (name, key_hash, key_prefix) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO NOTHING""")) {
                ps.setString(1, name);
                ps.setString(2, hash(key));
                ps.setString(3, prefix);
                return ps.executeUpdate();
            }
        });
        if (inserted == 0) {
            throw new NameTaken(name);
        }
        return new Created(name, key, prefix);
    }

    /** True when a key of that name was active and is now revoked. */
    public boolean revoke(String name) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE api_keys SET active = false WHERE name = ? AND active")) {
                ps.setString(1, name);
                return ps.executeUpdate() == 1;
            }
        });
    }

    public List<Info> list() {
        return jdbc.withConnection(c -> {
            List<Info> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT name, key_prefix, active AND (expires_at IS NULL OR expires_at > now()),
                           created_at, last_used_at, expires_at FROM api_keys ORDER BY created_at, name""");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Info(rs.getString(1), rs.getString(2), rs.getBoolean(3),
                            StatusReader.iso(rs.getTimestamp(4)), StatusReader.iso(rs.getTimestamp(5)),
                            StatusReader.iso(rs.getTimestamp(6))));
                }
            }
            return out;
        });
    }

    /** Whether the status endpoints are protected at all. */
    public boolean anyActive() {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT EXISTS (SELECT 1 FROM api_keys WHERE active AND (expires_at IS NULL OR expires_at > now()))""");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        });
    }

    /** The name of the active key the caller presented, with its use recorded; empty when none matches. */
    public Optional<String> verify(String presented) {
        if (presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        byte[] wanted = hash(presented).getBytes(StandardCharsets.US_ASCII);
        return jdbc.withConnection(c -> {
            long matchId = -1;
            String matchName = null;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT id, name, key_hash FROM api_keys
                     WHERE active AND (expires_at IS NULL OR expires_at > now())""");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // every active key is compared, without stopping at a match
                    if (MessageDigest.isEqual(wanted, rs.getString(3).getBytes(StandardCharsets.US_ASCII))) {
                        matchId = rs.getLong(1);
                        matchName = rs.getString(2);
                    }
                }
            }
            if (matchName == null) {
                return Optional.<String>empty();
            }
            // at most one write per key per 10 s however busy the endpoint is
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE api_keys SET last_used_at = now()
                     WHERE id = ? AND (last_used_at IS NULL OR last_used_at < now() - interval '10 seconds')""")) {
                ps.setLong(1, matchId);
                ps.executeUpdate();
            }
            return Optional.of(matchName);
        });
    }

    static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
