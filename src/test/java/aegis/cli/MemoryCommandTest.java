package aegis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.Settings;
import aegis.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code aegis memory list [--project GID]} and {@code aegis memory forget ID}, as a person runs them. */
class MemoryCommandTest {
    private static TestDatabase.Schema schema;

    @BeforeAll
    static void setUp() throws Exception {
        schema = TestDatabase.freshSchema("memorycli");
        schema.execute("""
                INSERT INTO projects (asana_gid, name) VALUES ('p1', 'Launch'), ('p2', 'Ops');
                INSERT INTO tasks (asana_gid, project_id, name) SELECT 't' || id, id, 'Task' FROM projects;
                INSERT INTO memories (project_id, kind, task_id, comment_gid, author_name, body)
                  SELECT p.id, 'remembered', t.id, 'c-' || p.asana_gid, 'Pat',
                         CASE p.asana_gid WHEN 'p1' THEN 'our release day is Thursday' ELSE 'backups run at two' END
                    FROM projects p JOIN tasks t ON t.project_id = p.id;
                INSERT INTO memories (project_id, kind, task_id, execution_id, title, body)
                  SELECT p.id, 'answer', t.id, 77, 'Plan the launch', 'The plan is in the doc.'
                    FROM projects p JOIN tasks t ON t.project_id = p.id WHERE p.asana_gid = 'p1';""");
    }

    @AfterAll
    static void tearDown() {
        schema.drop();
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        Map<String, String> env = new HashMap<>();
        env.put("AEGIS_DATABASE_URL", schema.database().url());
        env.put("AEGIS_DATABASE_USER", schema.database().user());
        env.put("AEGIS_DATABASE_PASSWORD", schema.database().password());
        PrintStream out0 = System.out;
        PrintStream err0 = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.execute(Settings.of(env), args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out0);
            System.setErr(err0);
        }
    }

    private static long idOf(String body) throws Exception {
        List<String> ids = schema.strings("SELECT id::text FROM memories WHERE body = '" + body + "'");
        return Long.parseLong(ids.get(0));
    }

    @Test
    void listShowsRememberedFactsByProjectAndForgetDropsOne() throws Exception {
        Run all = run("memory", "list");
        assertThat(all.code()).as(all.err()).isZero();
        assertThat(all.out()).contains("our release day is Thursday").contains("backups run at two")
                .contains("Pat").doesNotContain("The plan is in the doc.");
        Run one = run("memory", "list", "--project", "p1");
        assertThat(one.out()).contains("our release day is Thursday").doesNotContain("backups run at two");
        assertThat(run("memory", "list", "--project", "p1", "--answers").out())
                .contains("Plan the launch: The plan is in the doc.");

        long id = idOf("our release day is Thursday");
        Run forget = run("memory", "forget", String.valueOf(id));
        assertThat(forget.code()).isZero();
        assertThat(forget.out()).contains("Memory " + id + " forgotten.");
        assertThat(run("memory", "list", "--project", "p1").out()).startsWith("No memories in project p1.");
        Run again = run("memory", "forget", String.valueOf(id));
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("no memory with ID " + id);
        assertThat(run("memory", "forget", "twelve").code()).as("bad usage").isEqualTo(2);
        assertThat(run("memory").code()).isEqualTo(2);
    }
}
