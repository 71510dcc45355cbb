package dev.firmament.launcher;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module graph, checked on the compiled classes of every module (the launcher sees them all).
 * Contracts flow one way: the orchestrator knows no implementation, the API and the workers know
 * each other only through the orchestrator's contracts, and the device side knows nothing of the
 * server.
 */
class ModuleArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.firmament");
  }

  @Test
  void orchestratorDependsOnNoOtherModule() {
    noClasses()
        .that()
        .resideInAPackage("dev.firmament.orchestrator..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.firmament.workers..",
            "dev.firmament.api..",
            "dev.firmament.sql..",
            "dev.firmament.protocol..",
            "dev.firmament.agent..",
            "dev.firmament.artifact..",
            "dev.firmament.delta..",
            "dev.firmament.devstack..",
            "org.springframework..",
            "org.jooq..")
        .check(classes);
  }

  @Test
  void apiAndWorkersMeetOnlyThroughContracts() {
    noClasses()
        .that()
        .resideInAPackage("dev.firmament.api..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.firmament.workers..", "dev.firmament.protocol.server..", "dev.firmament.agent..")
        .check(classes);
    noClasses()
        .that()
        .resideInAPackage("dev.firmament.workers..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.firmament.api..", "dev.firmament.agent..")
        .check(classes);
  }

  @Test
  void deviceSideKnowsNothingOfTheServer() {
    noClasses()
        .that()
        .resideInAPackage("dev.firmament.agent..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.firmament.protocol.server..",
            "dev.firmament.workers..",
            "dev.firmament.api..",
            "dev.firmament.orchestrator..",
            "dev.firmament.sql..")
        .check(classes);
  }

  @Test
  void productionModulesNeverUseTheEmbeddedStack() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.firmament.api..",
            "dev.firmament.server..",
            "dev.firmament.workers..",
            "dev.firmament.orchestrator..",
            "dev.firmament.protocol..",
            "dev.firmament.agent..",
            "dev.firmament.delta..",
            "dev.firmament.artifact..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.firmament.devstack..")
        .check(classes);
  }

  @Test
  void theCliNeverCarriesTheServersOrTheEmbeddedStack() {
    // The slim CLI talks to a running API over HTTP; it knows the manifest library (keys
    // generate) and nothing else of ours, and none of the servers' frameworks. Its pom says the
    // same to Maven (dependency:tree -pl cli).
    noClasses()
        .that()
        .resideInAPackage("dev.firmament.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.firmament.launcher..",
            "dev.firmament.devstack..",
            "dev.firmament.api..",
            "dev.firmament.server..",
            "dev.firmament.workers..",
            "dev.firmament.orchestrator..",
            "dev.firmament.sql..",
            "dev.firmament.protocol..",
            "dev.firmament.agent..",
            "dev.firmament.delta..",
            "dev.firmament.artifact..",
            "org.springframework..",
            "io.temporal..",
            "org.jooq..",
            "com.hivemq..",
            "io.zonky..",
            "org.gaul..",
            "io.minio..")
        .check(classes);
  }

  @Test
  void deltaEngineIsAPlainLibrary() {
    // A device embeds the applier: the engine knows the manifest's hash helper and nothing of ours
    // above it; its pipeline (builds, signing, firmware_deltas) lives in the workers.
    noClasses()
        .that()
        .resideInAPackage("dev.firmament.delta..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.firmament.orchestrator..",
            "dev.firmament.sql..",
            "dev.firmament.artifact..",
            "dev.firmament.protocol..",
            "dev.firmament.workers..",
            "dev.firmament.api..",
            "io.temporal..",
            "org.springframework..",
            "org.jooq..",
            "org.slf4j..")
        .check(classes);
  }

  @Test
  void manifestAndIdentityUseTheJdkOnly() {
    // The device verifies what the release side signs with this very code, so it may carry
    // nothing the device does not.
    noClasses()
        .that()
        .resideInAnyPackage("dev.firmament.manifest..", "dev.firmament.identity..")
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages(
            "java..", "javax.crypto..", "dev.firmament.manifest..", "dev.firmament.identity..")
        .check(classes);
  }

  @Test
  void sharedLibrariesStayBelowTheServices() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.firmament.delta..",
            "dev.firmament.artifact..",
            "dev.firmament.sql..",
            "dev.firmament.manifest..",
            "dev.firmament.identity..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.firmament.workers..", "dev.firmament.api..", "dev.firmament.orchestrator..")
        .check(classes);
  }

  @Test
  void packagesAreFreeOfCycles() {
    // Every package of every module: an arrow one way between two packages, never both ways, so
    // any package can be read (and moved) with only what lies below it.
    // jOOQ's generated schema classes refer to each other by design; they are one unit.
    slices()
        .matching("dev.firmament.(**)")
        .should()
        .beFreeOfCycles()
        .ignoreDependency(
            resideInAPackage("dev.firmament.sql.generated.."),
            resideInAPackage("dev.firmament.sql.generated.."))
        .check(classes);
  }
}
