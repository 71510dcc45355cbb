package dev.firmament.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.deploy.KubernetesManifests.Manifest;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the deploy files against the code, in both directions: what the compose file and the
 * Kubernetes manifests give the Firmament server is a setting the code reads and the README
 * documents, and what the code reads is documented. Nothing is started. A missing file or a missing
 * parser fails the test; nothing here is skipped.
 */
class DeployFilesTest {
  /** The image the Firmament server runs from, in compose and in the manifests. */
  static final String SERVER_IMAGE = "firmament-server";

  /**
   * Variables the server's containers may be given that are not Spring properties: read by the
   * {@code java} launcher itself.
   */
  static final Set<String> NOT_SPRING = Set.of("JDK_JAVA_OPTIONS");

  /** Spring Boot's own keys the deployment gives; the code does not name them. */
  static final Set<String> SPRING_BOOT_KEYS =
      Set.of("spring.datasource.url", "spring.datasource.username", "spring.datasource.password");

  static Path deploy;
  static Path repository;
  static Map<String, String> documented;
  static List<Manifest> manifests;
  static Map<String, Object> compose;

  @BeforeAll
  static void load() {
    deploy = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    repository = deploy.getParent();
    assertThat(deploy.resolve("README.md")).as("deploy/README.md").isRegularFile();
    documented = Settings.documented(deploy.resolve("README.md"));
    assertThat(documented).as("settings table of deploy/README.md").isNotEmpty();
    manifests = KubernetesManifests.parse(KubernetesManifests.files(deploy.resolve("kubernetes")));
    compose = Compose.load(deploy.resolve("compose/compose.yaml"));
  }

  @Test
  void theReadmeNamesEachSettingsEnvironmentVariableAsSpringBindsIt() {
    documented.forEach(
        (key, variable) -> assertThat(variable).as(key).isEqualTo(Settings.environmentName(key)));
  }

  @Test
  void everyDocumentedSettingIsReadByTheCode() {
    Set<String> read = Settings.readByTheCode(repository);
    List<String> notRead =
        documented.keySet().stream()
            .filter(key -> !read.contains(key) && !SPRING_BOOT_KEYS.contains(key))
            .toList();
    assertThat(notRead).as("documented in deploy/README.md but read by no code").isEmpty();
  }

  @Test
  void everySettingTheServerReadsIsDocumented() {
    Set<String> read = Settings.readByTheCode(repository);
    assertThat(read).as("keys found in the code").contains("firmament.temporal.target");
    Set<String> undocumented = new TreeSet<>(read);
    undocumented.removeAll(documented.keySet());
    assertThat(undocumented).as("read by the server but not in deploy/README.md").isEmpty();
  }

  @Test
  void everyVariableTheComposeFileGivesTheServerIsADocumentedSetting() {
    Map<String, Set<String>> given = Compose.serverEnvironment(compose);
    assertThat(given).as("compose services running " + SERVER_IMAGE).isNotEmpty();
    given.forEach((service, variables) -> assertDocumented("compose " + service, variables));
  }

  @Test
  void everyVariableTheManifestsGiveTheServerIsADocumentedSetting() {
    Map<String, Set<String>> given = serverEnvironment(manifests);
    assertThat(given).as("Deployments running " + SERVER_IMAGE).isNotEmpty();
    given.forEach((where, variables) -> assertDocumented(where, variables));
  }

  private static void assertDocumented(String where, Set<String> variables) {
    Set<String> known = documented.values().stream().collect(Collectors.toCollection(TreeSet::new));
    known.addAll(NOT_SPRING);
    assertThat(variables)
        .as(where + ": variables that are no documented setting")
        .isSubsetOf(known);
  }

  /**
   * For each Deployment, the variables its server containers get: {@code env} and every key of the
   * ConfigMaps and Secrets its {@code envFrom} names, which must be defined in the manifests.
   */
  static Map<String, Set<String>> serverEnvironment(List<Manifest> manifests) {
    Map<String, Set<String>> result = new LinkedHashMap<>();
    for (Deployment deployment : objects(manifests, Deployment.class)) {
      PodSpec pod = deployment.getSpec().getTemplate().getSpec();
      List<Container> containers = new ArrayList<>(pod.getContainers());
      containers.addAll(pod.getInitContainers());
      for (Container container : containers) {
        if (!container.getImage().startsWith(SERVER_IMAGE)) {
          continue;
        }
        Set<String> variables = new TreeSet<>();
        container.getEnv().stream().map(EnvVar::getName).forEach(variables::add);
        for (EnvFromSource source : container.getEnvFrom()) {
          if (source.getConfigMapRef() != null) {
            variables.addAll(
                byName(manifests, ConfigMap.class, source.getConfigMapRef().getName())
                    .getData()
                    .keySet());
          }
          if (source.getSecretRef() != null) {
            Secret secret = byName(manifests, Secret.class, source.getSecretRef().getName());
            if (secret.getData() != null) {
              variables.addAll(secret.getData().keySet());
            }
            if (secret.getStringData() != null) {
              variables.addAll(secret.getStringData().keySet());
            }
          }
        }
        result.put("Deployment/" + deployment.getMetadata().getName(), variables);
      }
    }
    return result;
  }

  @Test
  void everyServiceSelectsTheTemplateOfADeployment() {
    for (Service service : objects(manifests, Service.class)) {
      Map<String, String> selector = service.getSpec().getSelector();
      assertThat(objects(manifests, Deployment.class))
          .as("Service/" + service.getMetadata().getName() + " selector " + selector)
          .anySatisfy(
              d ->
                  assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
                      .containsAllEntriesOf(selector));
    }
  }

  @Test
  void everyDeploymentSelectsItsOwnPods() {
    for (Deployment deployment : objects(manifests, Deployment.class)) {
      assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
          .as("Deployment/" + deployment.getMetadata().getName())
          .containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
    }
  }

  @Test
  void theKustomizationListsFilesThatExist() {
    Object loaded =
        KubernetesManifests.yaml()
            .load(Settings.read(deploy.resolve("kubernetes/kustomization.yaml")));
    assertThat(loaded).isInstanceOf(Map.class);
    Object resources = ((Map<?, ?>) loaded).get("resources");
    assertThat(resources)
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
        .isNotEmpty();
    for (Object resource : (List<?>) resources) {
      assertThat(deploy.resolve("kubernetes").resolve(resource.toString()))
          .as("kustomization resource")
          .isRegularFile();
    }
  }

  static <T extends HasMetadata> List<T> objects(List<Manifest> manifests, Class<T> type) {
    return manifests.stream()
        .map(Manifest::object)
        .filter(type::isInstance)
        .map(type::cast)
        .toList();
  }

  static <T extends HasMetadata> T byName(List<Manifest> manifests, Class<T> type, String name) {
    return objects(manifests, type).stream()
        .filter(o -> o.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError(
                    type.getSimpleName() + "/" + name + " is referenced but not defined"));
  }
}
