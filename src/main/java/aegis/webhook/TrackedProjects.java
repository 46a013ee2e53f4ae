package aegis.webhook;

import java.util.List;

/** The projects Aegis tracks, each of which should have a webhook; the sync engine keeps them. */
public interface TrackedProjects {
    /** A tracked project a webhook can be registered for. */
    record TrackedProject(long id, String gid, String name) {
    }

    /** The tracked projects that are not archived. */
    List<TrackedProject> tracked();
}
