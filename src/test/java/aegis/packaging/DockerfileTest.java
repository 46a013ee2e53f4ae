package aegis.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
