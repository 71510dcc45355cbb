package dev.firmament.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * A rollout plan file for {@code rollouts create -f}: an object of createOTAJob's input fields, as
 * YAML (a {@code .yaml} or {@code .yml} file) or JSON (any other).
 *
 * <p>YAML is read with SnakeYAML's safe constructor (plain maps, lists and scalars; no tags that
 * build objects), without its timestamp rule: {@code startAt: 2026-12-24T02:00:00Z} stays the text
 * the API parses instead of becoming a date.
 */
final class PlanFile {
  private PlanFile() {}

  /**
   * The file's fields.
   *
   * @throws IllegalArgumentException when the file is not an object of fields (its message says
   *     why)
   */
  static Map<String, Object> read(Path file) throws IOException {
    String text = Files.readString(file);
    String name = file.getFileName() == null ? "" : file.getFileName().toString();
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.endsWith(".yaml") || lower.endsWith(".yml") ? yaml(text) : json(text);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> json(String text) throws IOException {
    JsonNode node = JsonOutput.JSON.readTree(text);
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("must hold a JSON object of createOTAJob's input fields");
    }
    return JsonOutput.JSON.convertValue(node, Map.class);
  }

  static Map<String, Object> yaml(String text) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    Yaml yaml =
        new Yaml(
            new SafeConstructor(options),
            new Representer(new DumperOptions()),
            new DumperOptions(),
            options,
            new NoTimestamps());
    Object document;
    try {
      document = yaml.load(text);
    } catch (YAMLException e) {
      throw new IllegalArgumentException(
          "not valid YAML: " + e.getMessage().replaceAll("\\s*\\R\\s*", " ").strip());
    }
    if (!(document instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException("must hold a YAML mapping of createOTAJob's input fields");
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    map.forEach((key, value) -> fields.put(String.valueOf(key), value));
    return fields;
  }

  /** SnakeYAML's implicit types without timestamps: those stay text. */
  private static final class NoTimestamps extends Resolver {
    @Override
    public void addImplicitResolver(Tag tag, Pattern regexp, String first) {
      if (!Tag.TIMESTAMP.equals(tag)) {
        super.addImplicitResolver(tag, regexp, first);
      }
    }

    @Override
    public void addImplicitResolver(Tag tag, Pattern regexp, String first, int limit) {
      if (!Tag.TIMESTAMP.equals(tag)) {
        super.addImplicitResolver(tag, regexp, first, limit);
      }
    }
  }
}
