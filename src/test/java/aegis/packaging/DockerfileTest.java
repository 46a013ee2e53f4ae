package aegis.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The image's build stage sees only what deploy/Dockerfile copies into it. Anything the pom
 * packages from a directory that is not copied is silently missing from the image's jar
 * (as the prompt templates once were), so each resource directory must be copied.
 */
class DockerfileTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();

    @Test
    void theBuildStageCopiesEveryResourceDirectoryOfThePom() throws Exception {
        List<String> copied = buildStageCopies();
        assertThat(copied).as("COPY sources of the build stage in deploy/Dockerfile").contains("pom.xml", "src");
        List<String> resources = resourceDirectories();
        assertThat(resources).as("<resources> of pom.xml").contains("migrations", "prompts");
        for (String dir : resources) {
            assertThat(copied.stream().anyMatch(c -> dir.equals(c) || dir.startsWith(c + "/")))
                    .as("deploy/Dockerfile's build stage copies %s (a <resources> directory of pom.xml); "
                            + "add 'COPY %s %s' before its 'mvn package'", dir, dir, dir)
                    .isTrue();
        }
    }

    /**
     * Docker marks the container unhealthy when the public port's /health does not answer 200.
     * The check runs for real here, with the image's tools (bash), against a stand-in server.
     */
    @Test
    void theHealthCheckAsksThePublicPortsHealthAndFollowsItsAnswer() throws Exception {
        List<String> check = healthCheckCommand();
        assertThat(String.join(" ", check)).as("HEALTHCHECK of deploy/Dockerfile")
                .contains("/health").contains("AEGIS_HTTP_PORT").doesNotContain("curl").doesNotContain("wget");
        assertThat(probe(check, 200)).as("health check exit code when /health answers 200").isZero();
        assertThat(probe(check, 503)).as("health check exit code when /health answers 503").isNotZero();
    }

    /**
     * The image starts with the JVM options of systemd/aegis.service and the class-data archive its
     * training stage wrote by one start of exactly the image's own command line.
     */
    @Test
    void theImageStartsWithTheUnitsJvmOptionsAndTheArchiveItsTrainingStageWrote() throws Exception {
        String text = Files.readString(ROOT.resolve("deploy/Dockerfile")).replace("\\\n", " ");
        List<String> command = new ArrayList<>(execForm(text, "ENTRYPOINT"));
        command.addAll(execForm(text, "CMD"));
        assertThat(command).as("ENTRYPOINT and CMD of deploy/Dockerfile")
                .contains("-XX:SharedArchiveFile=/opt/aegis/aegis.jsa").endsWith("-jar", "/opt/aegis/aegis.jar", "run");

        List<String> training = execForm(text, "RUN");
        assertThat(training).as("the training stage's RUN").startsWith("bash", "/opt/aegis/image-archive.sh");
        assertThat(training.subList(3, training.size())).as("the command the training stage starts")
                .isEqualTo(command);
        Matcher copy = Pattern.compile("(?m)^COPY --from=archive (\\S+) (\\S+)\\s*$").matcher(text);
        assertThat(copy.find()).as("the final stage copies the archive from the training stage").isTrue();
        assertThat(copy.group(1)).as("the file the training stage wrote").isEqualTo(training.get(2));
        assertThat(copy.group(2)).as("where the image's command looks for it").isEqualTo("/opt/aegis/aegis.jsa");
        assertThat(text.lastIndexOf("\nFROM ")).as("the archive is copied into the last stage")
                .isLessThan(copy.start());

        String unit = Files.readAllLines(ROOT.resolve("systemd/aegis.service")).stream()
                .filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
        assertThat(jvmOptions(List.of(unit.substring("ExecStart=".length()).split("\\s+"))))
                .as("JVM options of systemd/aegis.service and deploy/Dockerfile")
                .isEqualTo(jvmOptions(command));
    }

    /** What lies between java and -jar, the archive's path left out (the image keeps it beside the jar). */
    private static List<String> jvmOptions(List<String> command) {
        return command.subList(1, command.indexOf("-jar")).stream()
                .map(o -> o.startsWith("-XX:SharedArchiveFile=") ? "-XX:SharedArchiveFile=…" : o).toList();
    }

    /** The exec-form (JSON array) arguments of the last {@code instruction} whose line starts with it. */
    private static List<String> execForm(String text, String instruction) throws Exception {
        Matcher m = Pattern.compile("(?m)^" + instruction + "\\s+(\\[.*\\])\\s*$").matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        assertThat(last).as("deploy/Dockerfile has a %s [\"…\"] line", instruction).isNotNull();
        return List.of(new ObjectMapper().readValue(last, String[].class));
    }

    /** Runs the check with AEGIS_HTTP_PORT pointing at a server that answers /health with {@code status}. */
    private static int probe(List<String> check, int status) throws Exception {
        List<String> paths = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            paths.add(exchange.getRequestURI().getPath());
            byte[] body = "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/health") ? status : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            ProcessBuilder pb = new ProcessBuilder(check).redirectErrorStream(true);
            pb.environment().put("AEGIS_HTTP_PORT", String.valueOf(server.getAddress().getPort()));
            pb.environment().put("AEGIS_ADMIN_PORT", "1");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("health check finished; output: %s", out).isTrue();
            assertThat(paths).as("paths the health check requested").containsExactly("/health");
            return p.exitValue();
        } finally {
            server.stop(0);
        }
    }

    /** The exec-form command of the runtime stage's HEALTHCHECK (continuation lines joined). */
    private static List<String> healthCheckCommand() throws Exception {
        String text = Files.readString(ROOT.resolve("deploy/Dockerfile")).replace("\\\n", " ");
        Matcher m = Pattern.compile("(?m)^HEALTHCHECK\\s.*?\\sCMD\\s+(\\[.*\\])\\s*$").matcher(text);
        assertThat(m.find()).as("deploy/Dockerfile has a HEALTHCHECK … CMD [\"…\"] line").isTrue();
        List<String> cmd = List.of(new ObjectMapper().readValue(m.group(1), String[].class));
        assertThat(cmd).as("HEALTHCHECK command").isNotEmpty();
        return cmd;
    }

    /** The sources of each COPY between the first FROM (the build stage) and the next. */
    private static List<String> buildStageCopies() throws Exception {
        Path dockerfile = ROOT.resolve("deploy/Dockerfile");
        assertThat(dockerfile).as("run the tests from the repository root, where deploy/Dockerfile is").exists();
        List<String> copies = new ArrayList<>();
        int stages = 0;
        for (String line : Files.readAllLines(dockerfile)) {
            String[] words = line.trim().split("\\s+");
            if (words[0].equals("FROM")) {
                stages++;
            } else if (stages == 1 && words[0].equals("COPY") && words.length >= 3) {
                for (int i = 1; i < words.length - 1; i++) {
                    String src = words[i].replaceAll("^\\./|/$", "");
                    if (!src.startsWith("--")) {
                        copies.add(src);
                    }
                }
            }
        }
        return copies;
    }

    private static List<String> resourceDirectories() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(ROOT.resolve("pom.xml").toFile());
        NodeList resources = ((Element) pom.getElementsByTagName("build").item(0)).getElementsByTagName("resource");
        List<String> dirs = new ArrayList<>();
        for (int i = 0; i < resources.getLength(); i++) {
            Element r = (Element) resources.item(i);
            dirs.add(r.getElementsByTagName("directory").item(0).getTextContent().trim()
                    .replace("${project.basedir}/", "").replaceAll("/$", ""));
        }
        return dirs;
    }
}
