package aegis.agent;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The templates shipped in {@code prompts/} (packaged into the jar): at start, each one whose
 * name has no row yet is imported and activated. Templates an operator has imported or
 * changed are left alone.
 */
@Singleton
@Requires(property = "aegis.prompts.import-defaults", notEquals = "false")
public final class DefaultTemplates {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultTemplates.class);
    static final String RESOURCE_DIR = "prompts";

    private final PromptStore store;
    private volatile boolean imported;

    public DefaultTemplates(PromptStore store) {
        this.store = store;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        try {
            ensureImported();
        } catch (RuntimeException e) {
            LOG.warn("event=default_prompts_failed error={}", e.getMessage());
        }
    }

    /**
     * Imports the missing bundled templates once per process; whoever needs them (the worker
     * pool, before it claims anything) waits here rather than race the start-up import.
     */
    public synchronized void ensureImported() {
        if (!imported) {
            importMissing();
            imported = true;
        }
    }

    /** Imports bundled templates whose names are not in the table yet; returns what was imported. */
    public List<PromptStore.ImportResult> importMissing() {
        List<PromptStore.ImportResult> out = new ArrayList<>();
        for (TemplateFile f : bundled()) {
            if (!store.hasName(f.name())) {
                PromptStore.ImportResult r = store.importTemplate(f, true);
                LOG.info("event=default_prompt_imported name={} agent_type={} version={}", r.name(), r.agentType(),
                        r.version());
                out.add(r);
            }
        }
        return out;
    }

    /** The template files on the classpath under prompts/. */
    public static List<TemplateFile> bundled() {
        URL url = DefaultTemplates.class.getClassLoader().getResource(RESOURCE_DIR);
        if (url == null) {
            return List.of();
        }
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                FileSystem fs;
                try {
                    fs = FileSystems.getFileSystem(uri);
                } catch (FileSystemNotFoundException e) {
                    fs = FileSystems.newFileSystem(uri, Map.of());
                }
                return readDir(fs.getPath("/" + RESOURCE_DIR));
            }
            return readDir(Path.of(uri));
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot read the bundled prompt templates: " + e.getMessage(), e);
        }
    }

    private static List<TemplateFile> readDir(Path dir) throws IOException {
        List<TemplateFile> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".md")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(p)) {
                    out.add(TemplateFile.parse(p.getFileName().toString(),
                            new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                }
            }
        }
        return out;
    }
}
