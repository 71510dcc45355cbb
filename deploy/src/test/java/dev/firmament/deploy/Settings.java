package dev.firmament.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The settings as the code reads them and as deploy/README.md documents them, with Spring Boot's
 * relaxed binding between property keys and environment variables.
 */
final class Settings {
  private Settings() {}

  /**
   * Modules whose main sources do not run in the production server: the dev launcher, the slim CLI,
   * the embedded services, the device side, benchmarks and this module.
   */
  static final Set<String> NOT_IN_THE_SERVER =
      Set.of("launcher", "cli", "dev-stack", "device-agent", "bench", "deploy", "firmware-samples");

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(firmament\\.[a-z0-9.-]+)[:}]");
  private static final Pattern KEY_LITERAL =
      Pattern.compile("\"(firmament\\.[a-z0-9-]+(?:\\.[a-z0-9-]+)+)\"");
  private static final Pattern CONFIGURATION_PROPERTIES =
      Pattern.compile("@ConfigurationProperties\\(\"([a-z0-9.-]+)\"\\)");
  private static final Pattern RECORD_COMPONENTS =
      Pattern.compile("record\\s+\\w+\\s*\\((.*?)\\)\\s*\\{", Pattern.DOTALL);
  private static final Pattern ANNOTATION = Pattern.compile("@\\w+(\\([^)]*\\))?");

  /**
   * The environment variable Spring Boot binds to a property key: upper case, {@code .} becomes
   * {@code _}, {@code -} is dropped.
   */
  static String environmentName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace("-", "");
  }

  /**
   * Every {@code firmament.*} key the production modules' main sources read: {@code ${...}}
   * placeholders, keys given whole as string literals (read through the {@code Environment}), and
   * the components of {@code @ConfigurationProperties} records.
   */
  static Set<String> readByTheCode(Path repository) {
    Set<String> keys = new TreeSet<>();
    List<Path> sources = productionSources(repository);
    if (sources.isEmpty()) {
      throw new IllegalStateException("no production sources found under " + repository);
    }
    for (Path source : sources) {
      String text = read(source);
      collect(PLACEHOLDER.matcher(text), keys);
      // A @ConfigurationProperties prefix is not a key; its record's components make the keys.
      // Meter names (the sources of a metrics package) look like keys and are none.
      if (!source.getParent().endsWith("metrics")) {
        collect(KEY_LITERAL.matcher(CONFIGURATION_PROPERTIES.matcher(text).replaceAll("")), keys);
      }
      Matcher prefix = CONFIGURATION_PROPERTIES.matcher(text);
      if (prefix.find()) {
        Matcher record = RECORD_COMPONENTS.matcher(text);
        if (!record.find(prefix.end())) {
          throw new IllegalStateException(
              source
                  + ": @ConfigurationProperties on something other than a record; teach"
                  + " Settings to read it");
        }
        for (String component : ANNOTATION.matcher(record.group(1)).replaceAll("").split(",")) {
          String[] words = component.strip().split("\\s+");
          keys.add(prefix.group(1) + "." + kebab(words[words.length - 1]));
        }
      }
    }
    return keys;
  }

  private static void collect(Matcher matcher, Set<String> keys) {
    while (matcher.find()) {
      keys.add(matcher.group(1));
    }
  }

  static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }

  static List<Path> productionSources(Path repository) {
    try (Stream<Path> modules = Files.list(repository)) {
      return modules
          .filter(m -> !NOT_IN_THE_SERVER.contains(m.getFileName().toString()))
          .map(m -> m.resolve("src/main/java"))
          .filter(Files::isDirectory)
          .flatMap(Settings::javaFiles)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Stream<Path> javaFiles(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(f -> f.toString().endsWith(".java")).toList().stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The settings table of deploy/README.md: property key to the environment variable its row names.
   * A row may name several keys and as many variables, in the same order.
   */
  static Map<String, String> documented(Path readme) {
    Map<String, String> table = new LinkedHashMap<>();
    Pattern code = Pattern.compile("`([^`]+)`");
    for (String line : read(readme).lines().toList()) {
      String[] cells = line.split("\\|");
      if (cells.length < 4 || !cells[1].strip().matches("`(firmament|spring)\\.[^`]+`.*")) {
        continue;
      }
      List<String> keys = code.matcher(cells[1]).results().map(r -> r.group(1)).toList();
      List<String> variables = code.matcher(cells[2]).results().map(r -> r.group(1)).toList();
      if (keys.size() != variables.size()) {
        throw new IllegalStateException(
            "deploy/README.md row names " + keys + " but variables " + variables);
      }
      for (int i = 0; i < keys.size(); i++) {
        table.put(keys.get(i), variables.get(i));
      }
    }
    return table;
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
