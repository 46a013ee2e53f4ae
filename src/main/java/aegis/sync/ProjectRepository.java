package aegis.sync;

import aegis.asana.AsanaModel.Project;
import aegis.db.Jdbc;
import aegis.webhook.TrackedProjects;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * SQL of the projects table. Each project's last full sync and events poll are recorded here;
 * the status package derives the latest of each from them.
 */
@Singleton
public class ProjectRepository implements TrackedProjects {
    private final Jdbc jdbc;

    public ProjectRepository(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** A tracked (or formerly tracked) project as stored. */
    public record StoredProject(long id, String gid, String name, boolean archived, String eventsSyncToken,
                                Instant lastSyncedAt, Instant lastEventsAt) {
    }

    /** What tracking knows of a project; {@code details} is null when only the gid is known. */
    public record Tracked(String gid, Project details, String portfolioGid, String codePath) {
    }

    /**
     * Upserts the tracked projects and archives every other project that is not archived yet.
     * Answers the archived gids.
     */
    public List<String> replaceTracked(String workspaceGid, Collection<Tracked> tracked) {
        return jdbc.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO projects (asana_gid, workspace_gid, "
                    + "portfolio_gid, name, notes, permalink_url, code_path, archived) "
                    + "VALUES (?, ?, ?, coalesce(?, ''), ?, ?, ?, ?) "
                    + "ON CONFLICT (asana_gid) DO UPDATE SET workspace_gid = EXCLUDED.workspace_gid, "
                    + "portfolio_gid = EXCLUDED.portfolio_gid, "
                    + "name = CASE WHEN ? THEN EXCLUDED.name ELSE projects.name END, "
                    + "notes = CASE WHEN ? THEN EXCLUDED.notes ELSE projects.notes END, "
                    + "permalink_url = CASE WHEN ? THEN EXCLUDED.permalink_url ELSE projects.permalink_url END, "
                    + "code_path = EXCLUDED.code_path, archived = EXCLUDED.archived")) {
                for (Tracked t : tracked) {
                    Project p = t.details();
                    boolean has = p != null;
                    ps.setString(1, t.gid());
                    ps.setString(2, has && p.workspaceGid() != null ? p.workspaceGid() : workspaceGid);
                    ps.setString(3, t.portfolioGid());
                    ps.setString(4, has ? p.name() : null);
                    ps.setString(5, has ? p.notes() : null);
                    ps.setString(6, has ? p.permalinkUrl() : null);
                    ps.setString(7, t.codePath());
                    ps.setBoolean(8, has && p.archived());
                    ps.setBoolean(9, has);
                    ps.setBoolean(10, has);
                    ps.setBoolean(11, has);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            List<String> archived = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("UPDATE projects SET archived = true "
                    + "WHERE NOT archived AND NOT (asana_gid = ANY(?)) RETURNING asana_gid")) {
                ps.setArray(1, c.createArrayOf("text", tracked.stream().map(Tracked::gid).toArray(String[]::new)));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        archived.add(rs.getString(1));
                    }
                }
            }
            return archived;
        });
    }

    /** Gids of stored projects that have a name (their details were fetched once). */
    public List<String> withDetails() {
        return jdbc.withConnection(c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT asana_gid FROM projects WHERE name <> ''");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    public List<StoredProject> active() {
        return list("SELECT id, asana_gid, name, archived, events_sync_token, last_synced_at, last_events_at "
                + "FROM projects WHERE NOT archived ORDER BY id", null);
    }

    @Override
    public List<TrackedProjects.TrackedProject> tracked() {
        return active().stream().map(p -> new TrackedProjects.TrackedProject(p.id(), p.gid(), p.name())).toList();
    }

    public Optional<StoredProject> byGid(String gid) {
        return list("SELECT id, asana_gid, name, archived, events_sync_token, last_synced_at, last_events_at "
                + "FROM projects WHERE asana_gid = ?", gid).stream().findFirst();
    }

    private List<StoredProject> list(String sql, String gid) {
        return jdbc.withConnection(c -> {
            List<StoredProject> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (gid != null) {
                    ps.setString(1, gid);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new StoredProject(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBoolean(4),
                                rs.getString(5), instant(rs.getTimestamp(6)), instant(rs.getTimestamp(7))));
                    }
                }
            }
            return out;
        });
    }

    public void synced(long projectId, String newSyncToken) {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE projects SET last_synced_at = now(), "
                    + "events_sync_token = coalesce(?, events_sync_token) WHERE id = ?")) {
                ps.setString(1, newSyncToken);
                ps.setLong(2, projectId);
                return ps.executeUpdate();
            }
        });
    }

    /** After an events poll: the next token, and when. */
    public void polled(long projectId, String syncToken) {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE projects SET events_sync_token = ?, "
                    + "last_events_at = now() WHERE id = ?")) {
                ps.setString(1, syncToken);
                ps.setLong(2, projectId);
                return ps.executeUpdate();
            }
        });
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
