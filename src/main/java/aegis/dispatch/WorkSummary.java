package aegis.dispatch;

import aegis.workspace.WorkReport;

/**
 * The lines below an agent's answer that say where its work went: branch, commit, diff stat (a list),
 * PR. Markdown, like the answer above it, so Asana shows it as rich text.
 */
final class WorkSummary {
    private static final int MAX_FILES = 20;

    private WorkSummary() {
    }

    static String text(WorkReport r) {
        StringBuilder sb = new StringBuilder();
        if (r.commit().isEmpty()) {
            sb.append("Branch ").append(r.branch()).append(": no changes to commit.");
            r.prUrl().ifPresent(u -> sb.append("\nPull request: ").append(u));
            return sb.toString();
        }
        sb.append("Branch: ").append(r.branch()).append("\nCommit: ").append(r.commit().get())
                .append("\nFiles changed: ").append(r.files().size()).append(" (+").append(r.insertions())
                .append(" -").append(r.deletions()).append(")");
        r.files().stream().limit(MAX_FILES).forEach(f -> sb.append("\n- ").append(f.path()).append(" ")
                .append(f.added() < 0 ? "(binary)" : "+" + f.added() + " -" + f.removed()));
        if (r.files().size() > MAX_FILES) {
            sb.append("\n- … and ").append(r.files().size() - MAX_FILES).append(" more");
        }
        // Markdown: what follows the list is a paragraph of its own, not part of the last item.
        if (r.pushError().isPresent() || r.prUrl().isPresent() || r.prError().isPresent()) {
            sb.append('\n');
        }
        r.pushError().ifPresent(e -> sb.append("\nPush failed: ").append(e)
                .append(" (the commit is kept on the branch; the next run pushes it again)"));
        r.prUrl().ifPresent(u -> sb.append("\nPull request: ").append(u));
        r.prError().ifPresent(e -> sb.append("\nPull request not opened: ").append(e));
        return sb.toString();
    }
}
