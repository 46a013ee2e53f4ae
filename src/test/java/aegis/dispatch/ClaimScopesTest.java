package aegis.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.agent.EchoAgent;
import aegis.config.ProjectSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClaimScopesTest {
    @TempDir
    Path dir;

    private static ProjectSettings project(String gid, Optional<String> repo, Optional<String> codePath) {
        return new ProjectSettings(gid, codePath, new ProjectSettings.DoneAction.Complete(), Optional.of("command"),
                new ProjectSettings.Repository(repo, Optional.empty(), List.of(), false, List.of()), List.of());
    }

    @Test
    void remoteRepositoriesCountAsAvailableLocalOnesOnlyWhenPresent() throws Exception {
        Path present = Files.createDirectories(dir.resolve("present.git"));
        assertThat(ClaimScopes.available(Optional.of("https://example.org/a.git"), Optional.empty())).isTrue();
        assertThat(ClaimScopes.available(Optional.of("git@example.org:team/a.git"), Optional.empty())).isTrue();
        assertThat(ClaimScopes.available(Optional.of("ssh://git@example.org/a.git"), Optional.empty())).isTrue();
        assertThat(ClaimScopes.available(Optional.of(present.toString()), Optional.empty())).isTrue();
        assertThat(ClaimScopes.available(Optional.of("file://" + present), Optional.empty())).isTrue();
        assertThat(ClaimScopes.available(Optional.of(dir.resolve("gone.git").toString()), Optional.empty())).isFalse();
        assertThat(ClaimScopes.available(Optional.of("file://" + dir.resolve("gone.git")), Optional.empty())).isFalse();
        // The repository decides, not a code_path beside it.
        assertThat(ClaimScopes.available(Optional.of(dir.resolve("gone.git").toString()),
                Optional.of(present.toString()))).isFalse();
        assertThat(ClaimScopes.available(Optional.empty(), Optional.of(present.toString()))).isTrue();
        assertThat(ClaimScopes.available(Optional.empty(), Optional.of(dir.resolve("nope").toString()))).isFalse();
        assertThat(ClaimScopes.available(Optional.empty(), Optional.empty())).isTrue();
    }

    @Test
    void onlyCodingKindsAreScopedAndAMountedRepositoryIsSeenAtTheNextLook() throws Exception {
        Path late = dir.resolve("late.git");
        ProjectSettings.All projects = new ProjectSettings.All(Map.of(
                "1", project("1", Optional.of(late.toString()), Optional.empty()),
                "2", project("2", Optional.of("https://example.org/b.git"), Optional.empty())),
                Optional.empty(), Optional.empty());
        AtomicLong now = new AtomicLong();
        ClaimScopes scopes = new ClaimScopes(Map.of("command", new WorkerPoolTest.CodingHere(),
                EchoAgent.KIND, new EchoAgent(java.time.Duration.ZERO)), projects, now::get);

        assertThat(scopes.of(EchoAgent.KIND)).isEqualTo(ClaimScope.all(EchoAgent.KIND));
        assertThat(scopes.of("command")).isEqualTo(new ClaimScope("command", List.of("1"), false));
        Files.createDirectories(late);
        assertThat(scopes.of("command")).as("looked at once per recheck period").isEqualTo(
                new ClaimScope("command", List.of("1"), false));
        now.addAndGet(ClaimScopes.RECHECK.toNanos());
        assertThat(scopes.of("command")).isEqualTo(ClaimScope.all("command"));
    }

    @Test
    void aMissingDefaultCodePathLimitsClaimsToProjectsThatHaveTheirOwn() throws Exception {
        Path own = Files.createDirectories(dir.resolve("own"));
        ProjectSettings.All projects = new ProjectSettings.All(Map.of(
                "1", project("1", Optional.empty(), Optional.of(own.toString())),
                "2", project("2", Optional.empty(), Optional.empty())),
                Optional.of(dir.resolve("default-missing").toString()), Optional.empty());
        ClaimScopes scopes = new ClaimScopes(Map.of("command", new WorkerPoolTest.CodingHere()), projects, () -> 0);
        assertThat(scopes.of("command")).isEqualTo(new ClaimScope("command", List.of("1"), true));
    }
}
