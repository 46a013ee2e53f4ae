package aegis.agent;

import aegis.db.Jdbc;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** SQL of prompt_templates: versions, activation, statistics. */
@Singleton
public final class PromptStore {
    private static final String COLUMNS = "id, name, agent_type, version, system_prompt, user_prompt_template, "
            + "variables::text, active, description, tags::text, usage_count, success_count, failure_count, "
            + "total_tokens, created_at";

    private final Jdbc jdbc;
    private final ObjectMapper json;

    public PromptStore(Jdbc jdbc, ObjectMapper json) {
        this.json = json;
        this.jdbc = jdbc;
    }

    public enum ImportStatus { CREATED, UNCHANGED, UPDATED_DESCRIPTION }

    public record ImportResult(String name, String agentType, int version, ImportStatus status, boolean active) {
    }

    /** The active template for {@code agentType}: the one named like the type first, else by name. */
    public Optional<PromptTemplate> active(String agentType) {
        return query("SELECT " + COLUMNS + " FROM prompt_templates WHERE agent_type = ? AND active "
                + "ORDER BY (name = ?) DESC, name LIMIT 1", agentType, agentType).stream().findFirst();
    }

    public List<PromptTemplate> list() {
        return query("SELECT " + COLUMNS + " FROM prompt_templates ORDER BY name, agent_type, version");
    }

    public boolean hasName(String name) {
        return !query("SELECT " + COLUMNS + " FROM prompt_templates WHERE name = ? LIMIT 1", name).isEmpty();
    }

    /**
     * Stores {@code f} as a new version when its text (system prompt, user prompt, variables)
     * differs from the latest version; a changed description or tags alone update that version.
     * A new version becomes active when {@code activate}, or when none is active yet.
     */
    public ImportResult importTemplate(TemplateFile f, boolean activate) {
        return jdbc.inTransaction(c -> {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, "prompt_templates:" + f.name() + ":" + f.agentType());
                lock.execute();
            }
            List<PromptTemplate> latest = query(c, "SELECT " + COLUMNS + " FROM prompt_templates "
                    + "WHERE name = ? AND agent_type = ? ORDER BY version DESC LIMIT 1", f.name(), f.agentType());
            boolean anyActive = !query(c, "SELECT " + COLUMNS + " FROM prompt_templates "
                    + "WHERE name = ? AND agent_type = ? AND active", f.name(), f.agentType()).isEmpty();
            if (!latest.isEmpty()) {
                PromptTemplate l = latest.get(0);
                if (l.systemPrompt().equals(f.system()) && l.userPromptTemplate().equals(f.user())
                        && l.variables().equals(f.variables())) {
                    if (!Objects.equals(l.description(), f.description()) || !l.tags().equals(f.tags())) {
                        try (PreparedStatement ps = c.prepareStatement("UPDATE prompt_templates SET description = ?, "
                                + "tags = ?::jsonb WHERE id = ?")) {
                            ps.setString(1, f.description());
                            ps.setString(2, json(f.tags()));
                            ps.setLong(3, l.id());
                            ps.executeUpdate();
                        }
                        return new ImportResult(f.name(), f.agentType(), l.version(), ImportStatus.UPDATED_DESCRIPTION,
                                l.active());
                    }
                    return new ImportResult(f.name(), f.agentType(), l.version(), ImportStatus.UNCHANGED, l.active());
                }
            }
            int version = latest.isEmpty() ? 1 : latest.get(0).version() + 1;
            boolean makeActive = activate || !anyActive;
            if (makeActive) {
                deactivate(c, f.name(), f.agentType());
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO prompt_templates (name, agent_type, version, "
                    + "system_prompt, user_prompt_template, variables, active, description, tags) "
                    + "VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?::jsonb)")) {
                ps.setString(1, f.name());
                ps.setString(2, f.agentType());
                ps.setInt(3, version);
                ps.setString(4, f.system());
                ps.setString(5, f.user());
                ps.setString(6, json(f.variables()));
                ps.setBoolean(7, makeActive);
                ps.setString(8, f.description());
                ps.setString(9, json(f.tags()));
                ps.executeUpdate();
            }
            return new ImportResult(f.name(), f.agentType(), version, ImportStatus.CREATED, makeActive);
        });
    }

    /**
     * Makes {@code version} of {@code name} the active one. {@code agentType} may be null when
     * the name is used by one agent type only.
     */
    public PromptTemplate activate(String name, String agentType, int version) {
        return jdbc.inTransaction(c -> {
            List<PromptTemplate> candidates = query(c, "SELECT " + COLUMNS + " FROM prompt_templates "
                    + "WHERE name = ? AND version = ? AND (?::text IS NULL OR agent_type = ?)", name, version,
                    agentType, agentType);
            if (candidates.isEmpty()) {
                throw new IllegalArgumentException("no prompt template " + name + " version " + version
                        + (agentType == null ? "" : " for agent type " + agentType) + "; see 'prompts list'");
            }
            if (candidates.size() > 1) {
                throw new IllegalArgumentException("template " + name + " version " + version
                        + " exists for several agent types " + candidates.stream().map(PromptTemplate::agentType).toList()
                        + "; name one with --agent-type");
            }
            PromptTemplate t = candidates.get(0);
            deactivate(c, t.name(), t.agentType());
            try (PreparedStatement ps = c.prepareStatement("UPDATE prompt_templates SET active = true WHERE id = ?")) {
                ps.setLong(1, t.id());
                ps.executeUpdate();
            }
            return query(c, "SELECT " + COLUMNS + " FROM prompt_templates WHERE id = ?", t.id()).get(0);
        });
    }

    /** Counts one use of a template: success or failure, and its tokens. */
    public void recordUsage(long templateId, boolean success, long tokens) {
        jdbc.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE prompt_templates SET usage_count = usage_count + 1, "
                    + "success_count = success_count + ?, failure_count = failure_count + ?, "
                    + "total_tokens = total_tokens + ? WHERE id = ?")) {
                ps.setInt(1, success ? 1 : 0);
                ps.setInt(2, success ? 0 : 1);
                ps.setLong(3, Math.max(0, tokens));
                ps.setLong(4, templateId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    private static void deactivate(Connection c, String name, String agentType) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE prompt_templates SET active = false "
                + "WHERE name = ? AND agent_type = ? AND active")) {
            ps.setString(1, name);
            ps.setString(2, agentType);
            ps.executeUpdate();
        }
    }

    private List<PromptTemplate> query(String sql, Object... args) {
        return jdbc.withConnection(c -> query(c, sql, args));
    }

    private List<PromptTemplate> query(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<PromptTemplate> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new PromptTemplate(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4),
                            rs.getString(5), rs.getString(6), strings(rs.getString(7)), rs.getBoolean(8),
                            rs.getString(9), strings(rs.getString(10)), rs.getLong(11), rs.getLong(12),
                            rs.getLong(13), rs.getLong(14), rs.getTimestamp(15).toInstant()));
                }
            }
            return out;
        }
    }

    private List<String> strings(String stored) {
        try {
            return stored == null ? List.of() : List.copyOf(json.readValue(stored, new TypeReference<List<String>>() { }));
        } catch (Exception e) {
            return List.of();
        }
    }

    private String json(List<String> values) {
        try {
            return json.writeValueAsString(values);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
