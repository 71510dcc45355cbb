package dev.firmament.deploy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The compose file as plain YAML (anchors and merge keys resolved), and what it gives the server.
 */
final class Compose {
  private Compose() {}

  @SuppressWarnings("unchecked")
  static Map<String, Object> load(Path file) {
    Object loaded = KubernetesManifests.yaml().load(Settings.read(file));
    if (!(loaded instanceof Map<?, ?> map) || !(map.get("services") instanceof Map<?, ?>)) {
      throw new IllegalStateException(file + " has no services");
    }
    return (Map<String, Object>) loaded;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> services(Map<String, Object> compose) {
    return (Map<String, Map<String, Object>>) compose.get("services");
  }

  /** Services that run the server image or build it. */
  static boolean runsTheServer(Map<String, Object> service) {
    Object image = service.get("image");
    return service.containsKey("build")
        || (image instanceof String name && name.startsWith(DeployFilesTest.SERVER_IMAGE));
  }

  /** Each server service's environment variable names (map or list form). */
  static Map<String, Set<String>> serverEnvironment(Map<String, Object> compose) {
    Map<String, Set<String>> result = new LinkedHashMap<>();
    services(compose)
        .forEach(
            (name, service) -> {
              if (!runsTheServer(service)) {
                return;
              }
              Set<String> variables = new TreeSet<>();
              Object environment = service.get("environment");
              if (environment instanceof Map<?, ?> map) {
                map.keySet().forEach(k -> variables.add(k.toString()));
              } else if (environment instanceof List<?> list) {
                list.forEach(e -> variables.add(e.toString().split("=", 2)[0]));
              }
              result.put(name, variables);
            });
    return result;
  }
}
