package dev.firmament.deploy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Kubernetes manifests under deploy/kubernetes as typed fabric8 objects. A document of a kind
 * the model does not know, or with a field the model does not have, is an error: a typo in {@code
 * kind} or in a field name would otherwise be ignored here and refused (or ignored) by the cluster.
 */
final class KubernetesManifests {
  private KubernetesManifests() {}

  /** One parsed object and the file it came from. */
  record Manifest(Path file, HasMetadata object) {}

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** Every {@code *.yaml} file in {@code dir} other than the kustomization. */
  static List<Path> files(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> manifests =
          files
              .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
              .filter(f -> !f.getFileName().toString().startsWith("kustomization."))
              .sorted()
              .toList();
      if (manifests.isEmpty()) {
        throw new IllegalStateException("no Kubernetes manifests in " + dir);
      }
      return manifests;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  static List<Manifest> parse(List<Path> files) {
    List<Manifest> manifests = new ArrayList<>();
    for (Path file : files) {
      for (Object document : yaml().loadAll(Settings.read(file))) {
        if (document == null) {
          continue;
        }
        KubernetesResource resource = SERIALIZATION.unmarshal(SERIALIZATION.asJson(document));
        if (!(resource instanceof HasMetadata object)
            || resource instanceof GenericKubernetesResource) {
          throw new IllegalStateException(
              file + ": " + describe(document) + " is not a kind the Kubernetes model knows");
        }
        List<String> unknown = new ArrayList<>();
        unknownFields(object, object.getKind(), unknown);
        if (!unknown.isEmpty()) {
          throw new IllegalStateException(file + ": fields the Kubernetes model lacks: " + unknown);
        }
        manifests.add(new Manifest(file, object));
      }
    }
    return manifests;
  }

  /** A plain YAML 1.1 loader (anchors, merge keys, several documents per file). */
  static Yaml yaml() {
    return new Yaml(new SafeConstructor(new LoaderOptions()));
  }

  private static String describe(Object document) {
    if (document instanceof Map<?, ?> map) {
      return "apiVersion " + map.get("apiVersion") + " kind " + map.get("kind");
    }
    return "a document that is not a mapping";
  }

  /**
   * Walks the object tree and collects the paths of values the model kept in {@code
   * additionalProperties}: fields it does not have, or values of the wrong type.
   */
  static void unknownFields(Object node, String path, List<String> unknown) {
    if (node == null) {
      return;
    }
    if (node instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        unknownFields(item, path + "[" + i++ + "]", unknown);
      }
      return;
    }
    if (node instanceof Map<?, ?> map) {
      map.forEach((k, v) -> unknownFields(v, path + "." + k, unknown));
      return;
    }
    if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : node.getClass().getMethods()) {
      if (getter.getParameterCount() != 0
          || Modifier.isStatic(getter.getModifiers())
          || !getter.getName().startsWith("get")
          || getter.getName().equals("getClass")) {
        continue;
      }
      Object value;
      try {
        value = getter.invoke(node);
      } catch (IllegalAccessException | InvocationTargetException e) {
        continue;
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          unknown.add(path + " " + extra.keySet());
        }
        continue;
      }
      String field = getter.getName().substring(3);
      unknownFields(
          value, path + "." + Character.toLowerCase(field.charAt(0)) + field.substring(1), unknown);
    }
  }
}
