package dev.firmament.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.deploy.KubernetesManifests.Manifest;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What deploy/README.md promises about the production topology, checked in the files: every role
 * deployed, secure defaults (loopback ports, no password defaults, an authenticated TLS broker,
 * signing keys mounted where they are read), disruption budgets and probes.
 */
class TopologyTest {
  static final List<String> ROLES = List.of("api", "workers", "delta");

  /** Roles that sign, and so read the release key pair from files. */
  static final List<String> SIGNING_ROLES = List.of("workers", "delta");

  static Path deploy;
  static String readme;
  static List<Manifest> manifests;
  static Map<String, Object> compose;
  static String composeText;

  @BeforeAll
  static void load() {
    deploy = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    readme = Settings.read(deploy.resolve("README.md"));
    manifests = KubernetesManifests.parse(KubernetesManifests.files(deploy.resolve("kubernetes")));
    composeText = Settings.read(deploy.resolve("compose/compose.yaml"));
    compose = Compose.load(deploy.resolve("compose/compose.yaml"));
  }

  // --- compose ---------------------------------------------------------------------------------

  @Test
  void composeRunsEveryRoleOfTheServer() {
    Set<String> roles = new TreeSet<>();
    Compose.services(compose)
        .values()
        .forEach(
            service -> {
              if (Compose.runsTheServer(service) && service.get("command") instanceof List<?> c) {
                roles.add(c.getFirst().toString());
              }
            });
    assertThat(roles).containsExactlyInAnyOrderElementsOf(ROLES);
  }

  @Test
  void composePublishesPortsOnLoopbackOnly() {
    List<String> published = new ArrayList<>();
    Compose.services(compose)
        .forEach(
            (name, service) -> {
              if (service.get("ports") instanceof List<?> ports) {
                ports.forEach(p -> published.add(name + " " + p));
              }
            });
    assertThat(published).isNotEmpty().allMatch(p -> p.split(" ")[1].startsWith("127.0.0.1:"));
  }

  @Test
  void composeGivesNoPasswordADefault() {
    // ${VAR:-default} would start the stack on a password everyone can read; ${VAR:?} refuses.
    assertThat(Pattern.compile("\\$\\{\\w+:-").matcher(composeText).find())
        .as("a ${VAR:-default} in compose.yaml")
        .isFalse();
  }

  @Test
  void composeRunsTemporalsServerImageAfterItsSchemaJob() {
    Map<String, Map<String, Object>> services = Compose.services(compose);
    assertThat(services.values())
        .noneMatch(s -> String.valueOf(s.get("image")).startsWith("temporalio/auto-setup"));
    Map<String, Object> temporal = services.get("temporal");
    assertThat(temporal.get("image").toString()).startsWith("temporalio/server:");
    Map<?, ?> dependsOn = (Map<?, ?>) temporal.get("depends_on");
    Map<?, ?> schemaDependency = (Map<?, ?>) dependsOn.get("temporal-schema");
    assertThat(schemaDependency.get("condition")).isEqualTo("service_completed_successfully");
    assertThat(services.get("temporal-schema").get("image").toString())
        .startsWith("temporalio/admin-tools:");
    String script = Settings.read(deploy.resolve("compose/temporal/setup-schema.sh"));
    assertThat(script).contains("temporal-sql-tool", "setup-schema", "update-schema");
  }

  @Test
  void composeSecretsAreDeclaredAndGivenToTheSigningRoles() {
    List<String> declared = strings(((Map<?, ?>) compose.get("secrets")).keySet());
    Compose.services(compose)
        .forEach(
            (name, service) -> {
              if (service.get("secrets") instanceof List<?> used) {
                assertThat(declared).as(name).containsAll(strings(used));
              }
            });
    for (String role : SIGNING_ROLES) {
      Map<String, Object> service = Compose.services(compose).get("firmament-" + role);
      Map<?, ?> environment = (Map<?, ?>) service.get("environment");
      assertThat(environment.get("FIRMAMENT_SIGNING_PRIVATEKEYFILE"))
          .as(role)
          .isEqualTo("/run/secrets/release-signing-private");
      assertThat(strings((List<?>) service.get("secrets")))
          .as(role)
          .contains("release-signing-private", "release-signing-public");
    }
  }

  @Test
  void mosquittoRefusesAnonymousClientsAndServesDevicesOverTls() {
    List<String> lines =
        Settings.read(deploy.resolve("compose/mosquitto/mosquitto.conf"))
            .lines()
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .toList();
    assertThat(lines)
        .contains(
            "per_listener_settings false",
            "allow_anonymous false",
            "plugin /usr/lib/mosquitto_dynamic_security.so",
            "listener 8883 0.0.0.0")
        .doesNotContain("allow_anonymous true")
        .anyMatch(l -> l.startsWith("certfile "))
        .anyMatch(l -> l.startsWith("keyfile "))
        .anyMatch(l -> l.startsWith("plugin_opt_config_file "));
    // The device role's ACLs use %c, which dynamic security substitutes from Mosquitto 2.1 on.
    Compose.services(compose)
        .forEach(
            (name, service) -> {
              String image = String.valueOf(service.get("image"));
              if (image.startsWith("eclipse-mosquitto")) {
                assertThat(image).as(name).matches("eclipse-mosquitto:2\\.([1-9]\\d*)(\\..*)?");
              }
            });
    // The plain listener is for the compose network only: compose publishes the TLS one.
    List<String> ports = strings((List<?>) Compose.services(compose).get("mosquitto").get("ports"));
    assertThat(ports).containsExactly("127.0.0.1:8883:8883");
  }

  @Test
  void composeGivesTheApiItsOwnBrokerAccountWhichProvisionMakes() {
    Map<String, Map<String, Object>> services = Compose.services(compose);
    Map<?, ?> api = (Map<?, ?>) services.get("firmament-api").get("environment");
    assertThat(api.get("FIRMAMENT_MQTT_USERNAME")).isEqualTo("firmament-api");
    assertThat(String.valueOf(api.get("FIRMAMENT_MQTT_PASSWORD")))
        .startsWith("${FIRMAMENT_API_MQTT_PASSWORD:?");
    Map<?, ?> workers = (Map<?, ?>) services.get("firmament-workers").get("environment");
    assertThat(workers.get("FIRMAMENT_MQTT_USERNAME")).isEqualTo("firmament-workers");
    assertThat(String.valueOf(workers.get("FIRMAMENT_MQTT_PASSWORD")))
        .startsWith("${FIRMAMENT_MQTT_PASSWORD:?");
    Map<?, ?> provision = (Map<?, ?>) services.get("mosquitto-provision").get("environment");
    assertThat(String.valueOf(provision.get("FIRMAMENT_API_MQTT_PASSWORD")))
        .startsWith("${FIRMAMENT_API_MQTT_PASSWORD:?");
    String script = Settings.read(deploy.resolve("compose/mosquitto/provision.sh"));
    assertThat(script)
        .contains(
            ": \"${FIRMAMENT_API_MQTT_PASSWORD:?}\"",
            "createClient firmament-api -p \"$FIRMAMENT_API_MQTT_PASSWORD\"",
            "addClientRole firmament-api firmament-api",
            "acl firmament-api publishClientSend 'fw/+/call'",
            "acl firmament-api subscribePattern 'fw/+/reply/+'",
            "acl firmament-device subscribePattern 'fw/%c/call'",
            "acl firmament-device publishClientSend 'fw/%c/reply/+'");
    // Calls and replies are the API's alone.
    assertThat(script.lines().filter(l -> l.startsWith("acl firmament-workers ")))
        .isNotEmpty()
        .noneMatch(l -> l.contains("/call") || l.contains("/reply"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"events", "telemetry", "network"})
  void provisionLetsADevicePublishItsEventsTelemetryAndNetworkAcksAndTheWorkersReadThem(
      String kind) {
    String script = Settings.read(deploy.resolve("compose/mosquitto/provision.sh"));
    assertThat(script)
        .contains(
            "acl firmament-device publishClientSend 'fw/%c/" + kind + "'",
            "acl firmament-workers subscribePattern '$share/firmament-workers/fw/+/" + kind + "'",
            "acl firmament-workers subscribePattern 'fw/+/" + kind + "'",
            "acl firmament-workers publishClientReceive 'fw/+/" + kind + "'");
    // A device only publishes events; the API has no part in them.
    assertThat(script.lines().filter(l -> l.contains("/" + kind + "'")))
        .noneMatch(l -> l.startsWith("acl firmament-api "))
        .noneMatch(
            l ->
                l.startsWith("acl firmament-device ")
                    && !l.startsWith("acl firmament-device publishClientSend "));
  }

  @Test
  void provisionLetsADevicePublishItsLedgerMessagesAndTheWorkersReadThem() {
    String script = Settings.read(deploy.resolve("compose/mosquitto/provision.sh"));
    assertThat(script)
        .contains(
            "acl firmament-device publishClientSend 'fw/%c/ledger'",
            "acl firmament-workers subscribePattern '$share/firmament-workers/fw/+/ledger'",
            "acl firmament-workers subscribePattern 'fw/+/ledger'",
            "acl firmament-workers publishClientReceive 'fw/+/ledger'");
    // A device only publishes on its ledger topic (copies come back on its commands); the API
    // writes ledgers in the database and has no part in the topic.
    assertThat(script.lines().filter(l -> l.contains("/ledger")))
        .noneMatch(l -> l.startsWith("acl firmament-api "))
        .noneMatch(
            l ->
                l.startsWith("acl firmament-device ")
                    && !l.startsWith("acl firmament-device publishClientSend "));
  }

  static List<String> strings(java.util.Collection<?> values) {
    return values.stream().map(String::valueOf).toList();
  }

  // --- Kubernetes --------------------------------------------------------------------------------

  static Deployment deployment(String role) {
    return DeployFilesTest.byName(manifests, Deployment.class, "firmament-" + role);
  }

  static Container server(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getImage().startsWith(DeployFilesTest.SERVER_IMAGE))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void kubernetesDeploysEveryRoleWithADisruptionBudget() {
    List<PodDisruptionBudget> budgets =
        DeployFilesTest.objects(manifests, PodDisruptionBudget.class);
    for (String role : ROLES) {
      Deployment deployment = deployment(role);
      assertThat(server(deployment).getArgs()).as(role).startsWith(role);
      Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
      assertThat(budgets)
          .as("a PodDisruptionBudget selecting the " + role + " pods")
          .anySatisfy(
              b -> {
                assertThat(podLabels)
                    .containsAllEntriesOf(b.getSpec().getSelector().getMatchLabels());
                assertThat(b.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
              });
    }
    DeployFilesTest.byName(
        manifests, io.fabric8.kubernetes.api.model.Service.class, "firmament-delta");
  }

  @Test
  void theApiIsProbedOnItsHealthGroups() {
    Container api = server(deployment("api"));
    assertThat(api.getReadinessProbe().getHttpGet().getPath())
        .isEqualTo("/actuator/health/readiness");
    assertThat(api.getLivenessProbe().getHttpGet().getPath())
        .isEqualTo("/actuator/health/liveness");
    assertThat(api.getStartupProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
  }

  @Test
  void signingRolesMountTheKeysWhereTheConfigMapSaysTheyAre() {
    ConfigMap config = DeployFilesTest.byName(manifests, ConfigMap.class, "firmament-config");
    for (String role : SIGNING_ROLES) {
      Deployment deployment = deployment(role);
      Container container = server(deployment);
      for (String key :
          List.of("FIRMAMENT_SIGNING_PRIVATEKEYFILE", "FIRMAMENT_SIGNING_PUBLICKEYFILE")) {
        Path file = Path.of(config.getData().get(key));
        VolumeMount mount =
            container.getVolumeMounts().stream()
                .filter(m -> file.startsWith(m.getMountPath()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(role + " mounts nothing at " + file));
        Volume volume = volume(deployment, mount.getName());
        assertThat(volume.getSecret()).as(role + " " + file).isNotNull();
        assertThat(volume.getSecret().getSecretName()).isEqualTo("firmament-signing");
        assertThat(volume.getSecret().getDefaultMode()).as("mode 0440").isEqualTo(0440);
      }
    }
  }

  private static Volume volume(Deployment deployment, String name) {
    return deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + name));
  }

  @Test
  void kubernetesGivesTheApiItsOwnBrokerAccountAndOnlyTheApi() {
    Container api = server(deployment("api"));
    EnvVar username = env(api, "FIRMAMENT_MQTT_USERNAME");
    assertThat(username.getValue()).isEqualTo("firmament-api");
    EnvVar password = env(api, "FIRMAMENT_MQTT_PASSWORD");
    var reference = password.getValueFrom().getSecretKeyRef();
    assertThat(reference.getKey()).isEqualTo("FIRMAMENT_API_MQTT_PASSWORD");
    Secret secret = DeployFilesTest.byName(manifests, Secret.class, reference.getName());
    assertThat(secret.getStringData()).containsEntry("FIRMAMENT_API_MQTT_PASSWORD", "CHANGE-ME");
    // No role loads it whole: the workers keep their own account.
    for (String role : ROLES) {
      assertThat(server(deployment(role)).getEnvFrom())
          .as(role)
          .noneMatch(
              f ->
                  f.getSecretRef() != null
                      && f.getSecretRef().getName().equals(reference.getName()));
    }
    ConfigMap config = DeployFilesTest.byName(manifests, ConfigMap.class, "firmament-config");
    assertThat(config.getData()).containsEntry("FIRMAMENT_MQTT_USERNAME", "firmament-workers");
    assertThat(server(deployment("workers")).getEnv())
        .noneMatch(e -> e.getName().startsWith("FIRMAMENT_MQTT_"));
  }

  private static EnvVar env(Container container, String name) {
    return container.getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(container.getName() + " has no " + name));
  }

  @Test
  void everyMountedVolumeIsDeclared() {
    for (Deployment deployment : DeployFilesTest.objects(manifests, Deployment.class)) {
      for (Container container : deployment.getSpec().getTemplate().getSpec().getContainers()) {
        for (VolumeMount mount : container.getVolumeMounts()) {
          volume(deployment, mount.getName());
        }
      }
    }
  }

  @Test
  void everySecretReferencedIsDefinedOrCreatedAsTheReadmeSays() {
    Set<String> referenced = new TreeSet<>();
    for (Deployment deployment : DeployFilesTest.objects(manifests, Deployment.class)) {
      PodSpec pod = deployment.getSpec().getTemplate().getSpec();
      pod.getVolumes().stream()
          .filter(v -> v.getSecret() != null)
          .forEach(v -> referenced.add(v.getSecret().getSecretName()));
      for (Container container : pod.getContainers()) {
        container.getEnvFrom().stream()
            .map(EnvFromSource::getSecretRef)
            .filter(r -> r != null)
            .forEach(r -> referenced.add(r.getName()));
        container.getEnv().stream()
            .map(EnvVar::getValueFrom)
            .filter(v -> v != null && v.getSecretKeyRef() != null)
            .forEach(v -> referenced.add(v.getSecretKeyRef().getName()));
      }
    }
    Set<String> defined = new TreeSet<>();
    DeployFilesTest.objects(manifests, Secret.class)
        .forEach(s -> defined.add(s.getMetadata().getName()));
    assertThat(referenced).contains("firmament-signing", "firmament-request-signing");
    for (String secret : referenced) {
      if (!defined.contains(secret)) {
        assertThat(readme.contains("create secret generic " + secret))
            .as("Secret " + secret + " is neither in the manifests nor created in deploy/README.md")
            .isTrue();
      }
    }
  }
}
