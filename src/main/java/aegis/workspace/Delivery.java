package aegis.workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * After a run, in order, each step only when the one before left something to do: commit what
 * changed (author from {@code agents.command.git_author}, message: the task's name and link),
 * push the branch, run the project's {@code pr_command} once per branch and keep the first URL it
 * prints. What was committed since the last answer is what this answer reports (so a commit whose
 * run died before its answer was recorded is reported by the next run). A push or PR failure is
 * reported, not thrown: the commit stays in the worktree's branch.
 *
 * <p>Delivery runs on the host, in a directory the agent wrote: the worktree's {@code .git} file is
 * put back first, git never looks into nested repositories, and pr_command gets git pinned to the
 * real git directory with hooks and fsmonitor off (see {@link Git#pinnedTo}).
 */
public final class Delivery {
    private static final Pattern URL = Pattern.compile("https?://[^\\s\"'<>]+");

    private final Git git;
    private final WorkspaceStore store;

    Delivery(Git git, WorkspaceStore store) {
        this.git = git;
        this.store = store;
    }

    /**
     * What to do: {@code author} as "Name &lt;email&gt;"; {@code prCommand} an argv with {@code {branch}},
     * {@code {base}}, {@code {title}} and {@code {task_url}} placeholders (each replaced inside one argument).
     */
    public record Request(String author, String title, String taskUrl, boolean push, List<String> prCommand) {
        public Request {
            prCommand = List.copyOf(prCommand);
        }
    }

    WorkReport deliver(Worktree w, Request req) throws IOException, InterruptedException {
        boolean restored = restoreGitFile(w);
        if (!git.onWorktree(w, Git.LOCAL, "status", "--porcelain", "--ignore-submodules=all").isEmpty()) {
            List<String> add = new ArrayList<>(List.of("add", "-A", "--", "."));
            for (String repo : nestedRepositories(w)) {
                add.add(":(exclude,literal)" + repo);
            }
            git.onWorktree(w, Git.LOCAL, add.toArray(String[]::new));
            String[] who = author(req.author());
            git.onWorktree(w, Git.LOCAL, "-c", "user.name=" + who[0], "-c", "user.email=" + who[1], "commit", "-q",
                    "--no-verify", "-m", req.title() + (req.taskUrl() == null ? "" : "\n\n" + req.taskUrl()));
        }
        String head = git.onWorktree(w, Git.LOCAL, "rev-parse", "HEAD");
        String from = w.reportedSha() != null ? w.reportedSha()
                : git.onWorktree(w, Git.LOCAL, "merge-base", "HEAD", "origin/" + w.base());
        if (head.equals(from)) {
            return new WorkReport(w.branch(), Optional.empty(), List.of(), false, Optional.empty(), w.prUrl(),
                    Optional.empty(), Optional.empty(), restored);
        }
        List<WorkReport.FileChange> files = numstat(git.onWorktree(w, Git.LOCAL, "diff", "--numstat", from, head));
        String shortSha = git.onWorktree(w, Git.LOCAL, "rev-parse", "--short", head);

        boolean pushed = false;
        Optional<String> pushError = Optional.empty();
        if (req.push()) {
            Exec.Result r = git.run(w.path(), Git.REMOTE, "--git-dir=" + w.metaDir(), "push", "-q", "origin",
                    "refs/heads/" + w.branch() + ":refs/heads/" + w.branch());
            pushed = r.ok();
            pushError = r.ok() ? Optional.empty() : Optional.of(r.why());
        }
        Optional<String> prUrl = w.prUrl();
        Optional<String> prError = Optional.empty();
        if (prUrl.isEmpty() && !req.prCommand().isEmpty() && (pushed || !req.push())) {
            List<String> argv = new ArrayList<>();
            for (String a : req.prCommand()) {
                argv.add(a.replace("{branch}", w.branch()).replace("{base}", w.base())
                        .replace("{title}", req.title()).replace("{task_url}", req.taskUrl() == null ? "" : req.taskUrl()));
            }
            Exec.Result r;
            try {
                r = Exec.run(argv, w.path(), git.pinnedTo(w), Git.REMOTE);
            } catch (IOException e) {
                r = new Exec.Result(127, "", "could not start " + argv.get(0) + ": " + e.getMessage());
            }
            Matcher m = URL.matcher(r.stdout() + "\n" + r.stderr());
            if (r.ok() && m.find()) {
                prUrl = Optional.of(m.group());
            } else {
                prError = Optional.of(r.ok() ? "it printed no URL" : "exit " + r.exit() + ": " + r.why());
            }
        }
        if (prUrl.isPresent() && !prUrl.equals(w.prUrl())) {
            // Kept at once, told or not: the branch has its PR (a second pr_command would fail), and
            // every later answer names it.
            store.prOpened(w.taskId(), w.lockToken(), prUrl.get());
        }
        // An unpushed commit stays unreported: the next run reports and pushes it again. A pushed one
        // is marked told only once the answer naming it is recorded (Workspaces.told), so a run that
        // ends before that leaves it for the next answer.
        Optional<String> tells = pushed || !req.push() ? Optional.of(head) : Optional.empty();
        return new WorkReport(w.branch(), Optional.of(shortSha), files, pushed, pushError, prUrl, prError, tells,
                restored);
    }

    /**
     * The agent can write its worktree's {@code .git} file (it is in the worktree) and point it at a
     * git directory of its making, whose configuration names commands to run. Aegis's own git names
     * the real one, but programs run on the host there (pr_command, and whatever the person does in
     * the worktree later) read the file: it is put back to name the real metadata. Whether it had
     * to be is told (an agent doing this is worth a look).
     */
    static boolean restoreGitFile(Worktree w) throws IOException {
        Path f = w.path().resolve(".git");
        String expected = "gitdir: " + w.metaDir() + "\n";
        if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) && Files.size(f) < 4096) {
            String said = Files.readString(f).strip();
            if (said.startsWith("gitdir: ")) {
                Path named = Path.of(said.substring("gitdir: ".length()).strip());
                if (named.isAbsolute() && Files.isDirectory(named) && Files.isSameFile(named, w.metaDir())) {
                    return false;
                }
            }
        }
        if (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) {
            Workspaces.deleteTree(f);
        } else {
            Files.deleteIfExists(f);
        }
        Files.writeString(f, expected, StandardOpenOption.CREATE_NEW);
        return true;
    }

    /**
     * Repositories inside the worktree: submodules already on the branch and ones the agent made.
     * They are left out of the commit: {@code git add} checks whether a submodule changed by running
     * git in it, with its own configuration (the agent's), whose filter drivers are commands.
     */
    private List<String> nestedRepositories(Worktree w) throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        for (String line : git.onWorktree(w, Git.LOCAL, "ls-files", "-s", "-z").split("\0")) {
            int tab = line.indexOf('\t');
            if (line.startsWith("160000 ") && tab > 0) {
                out.add(line.substring(tab + 1));
            }
        }
        // Untracked, git lists a repository as one entry ending in a slash (it does not look inside).
        for (String path : git.onWorktree(w, Git.LOCAL, "ls-files", "-o", "--exclude-standard", "-z").split("\0")) {
            if (path.endsWith("/")) {
                out.add(path.substring(0, path.length() - 1));
            }
        }
        return out;
    }

    static List<WorkReport.FileChange> numstat(String out) {
        List<WorkReport.FileChange> files = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] p = line.split("\t", 3);
            if (p.length == 3) {
                files.add(new WorkReport.FileChange(p[2], p[0].equals("-") ? -1 : Integer.parseInt(p[0]),
                        p[1].equals("-") ? -1 : Integer.parseInt(p[1])));
            }
        }
        return files;
    }

    /** "Name &lt;email&gt;" split; a bare name gets a local address. */
    static String[] author(String author) {
        Matcher m = Pattern.compile("^\\s*(.+?)\\s*<([^>]+)>\\s*$").matcher(author == null ? "" : author);
        if (m.matches()) {
            return new String[] {m.group(1), m.group(2)};
        }
        String name = author == null || author.isBlank() ? "Aegis" : author.trim();
        return new String[] {name, "aegis@localhost"};
    }
}
