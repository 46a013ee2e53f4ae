package aegis.architecture;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The package map of {@code docs/architecture.md}, enforced: each package uses only the
 * packages its line there names, and no two packages depend on each other in a circle.
 */
class LayeringTest {
    private static final JavaClasses AEGIS = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("aegis");

    @Test
    void packagesUseOnlyWhatTheMapAllows() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("aegis.cli..")
                .layer("status").definedBy("aegis.status..")
                .layer("dispatch").definedBy("aegis.dispatch..")
                .layer("governance").definedBy("aegis.governance..")
                .layer("memory").definedBy("aegis.memory..")
                .layer("sync").definedBy("aegis.sync..")
                .layer("webhook").definedBy("aegis.webhook..")
                .layer("agent").definedBy("aegis.agent..")
                .layer("workspace").definedBy("aegis.workspace..")
                .layer("jobs").definedBy("aegis.jobs..")
                .layer("sim").definedBy("aegis.sim..")
                .layer("asana").definedBy("aegis.asana..")
                .layer("metrics").definedBy("aegis.metrics..")
                .layer("db").definedBy("aegis.db..")
                .layer("config").definedBy("aegis.config..")
                .whereLayer("status").mayOnlyAccessLayers("governance", "dispatch", "memory", "sync", "webhook", "jobs",
                        "metrics", "db", "config")
                .whereLayer("dispatch").mayOnlyAccessLayers("governance", "agent", "workspace", "memory", "sync", "asana",
                        "jobs", "metrics", "db", "config")
                .whereLayer("governance").mayOnlyAccessLayers("sync", "asana", "jobs", "metrics", "db", "config")
                .whereLayer("memory").mayOnlyAccessLayers("sync", "jobs", "metrics", "db", "config")
                .whereLayer("sync").mayOnlyAccessLayers("webhook", "asana", "jobs", "metrics", "db", "config")
                .whereLayer("webhook").mayOnlyAccessLayers("asana", "jobs", "metrics", "db", "config")
                .whereLayer("agent").mayOnlyAccessLayers("workspace", "asana", "metrics", "db", "config")
                .whereLayer("workspace").mayOnlyAccessLayers("jobs", "metrics", "db", "config")
                .whereLayer("jobs").mayOnlyAccessLayers("metrics", "db", "config")
                .whereLayer("sim").mayOnlyAccessLayers("asana", "config")
                .whereLayer("asana").mayOnlyAccessLayers("metrics", "config")
                .whereLayer("metrics").mayNotAccessAnyLayer()
                .whereLayer("db").mayOnlyAccessLayers("config")
                .whereLayer("config").mayNotAccessAnyLayer()
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .check(AEGIS);
    }

    @Test
    void noPackageCycles() {
        slices().matching("aegis.(*)..").should().beFreeOfCycles().check(AEGIS);
    }
}
