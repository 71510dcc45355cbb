package dev.firmament.cli;

import dev.firmament.cli.FirmamentCli.UsageException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The CLI's config file: named profiles, each a server and a token, so that a release engineer
 * switches between a staging and a production API with {@code --profile NAME}.
 *
 * <pre>
 * # ~/.config/firmament/config.properties (owner-only: it holds tokens)
 * profile.default.server=https://firmament.staging.example.com
 * profile.default.token=fmt_...
 * profile.prod.server=https://firmament.example.com
 * profile.prod.token=fmt_...
 * </pre>
 *
 * <p>The file is {@value Cli#CONFIG_VARIABLE} when set, else {@code
 * $XDG_CONFIG_HOME/firmament/config.properties}, else {@value #DEFAULT_PATH}. The profile is {@code
 * --profile}, else {@value Cli#PROFILE_VARIABLE}, else {@code default}; a profile named explicitly
 * must exist, the {@code default} one need not. Per setting, an option beats the environment
 * ({@value Cli#SERVER_VARIABLE}, {@value Cli#TOKEN_VARIABLE}), which beats the profile, which beats
 * the built-in server {@value ApiOptions#DEFAULT_SERVER}.
 */
final class ApiConfig {
  static final String DEFAULT_PATH = "~/.config/firmament/config.properties";
  static final String DEFAULT_PROFILE = "default";

  private final Path file;
  private final String profile;
  private final Properties properties;

  private ApiConfig(Path file, String profile, Properties properties) {
    this.file = file;
    this.profile = profile;
    this.properties = properties;
  }

  /**
   * The profile the option or the environment selects, from the file the environment names; a usage
   * error when a profile named explicitly is not there or the file cannot be read.
   *
   * @param warnings where a file readable by others than its owner is warned about
   */
  static ApiConfig load(Map<String, String> env, String profileOption, Appendable warnings) {
    String named =
        profileOption != null ? profileOption : blankToNull(env.get(Cli.PROFILE_VARIABLE));
    String profile = named != null ? named.strip() : DEFAULT_PROFILE;
    Path file = path(env);
    Properties properties = new Properties();
    if (file == null || !Files.isRegularFile(file)) {
      if (named != null) {
        throw new UsageException(
            "profile '"
                + profile
                + "': no config file "
                + (file == null ? DEFAULT_PATH : file)
                + (profileOption != null ? "" : " (" + Cli.PROFILE_VARIABLE + ")"));
      }
      return new ApiConfig(file, profile, properties);
    }
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException | IllegalArgumentException e) {
      throw new UsageException("cannot read the config file " + file + ": " + e.getMessage());
    }
    ApiConfig config = new ApiConfig(file, profile, properties);
    if (named != null && config.get("server") == null && config.get("token") == null) {
      throw new UsageException(
          "no profile '"
              + profile
              + "' in "
              + file
              + " (it needs profile."
              + profile
              + ".server or profile."
              + profile
              + ".token)");
    }
    if (config.get("token") != null) {
      warnIfOthersCanRead(file, warnings);
    }
    return config;
  }

  /** Where the config file is, from the environment; null when no home directory is known. */
  static Path path(Map<String, String> env) {
    String explicit = blankToNull(env.get(Cli.CONFIG_VARIABLE));
    if (explicit != null) {
      return Path.of(explicit);
    }
    String xdg = blankToNull(env.get("XDG_CONFIG_HOME"));
    if (xdg != null) {
      return Path.of(xdg, "firmament", "config.properties");
    }
    String home = blankToNull(env.get("HOME"));
    if (home == null) {
      home = blankToNull(env.get("USERPROFILE"));
    }
    return home == null ? null : Path.of(home, ".config", "firmament", "config.properties");
  }

  /** The selected profile's setting ({@code server} or {@code token}); null when it has none. */
  String get(String setting) {
    return blankToNull(properties.getProperty("profile." + profile + "." + setting));
  }

  String profile() {
    return profile;
  }

  /** The file, for messages; null when no home directory is known. */
  Path file() {
    return file;
  }

  private static void warnIfOthersCanRead(Path file, Appendable warnings) {
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      if (permissions.contains(PosixFilePermission.GROUP_READ)
          || permissions.contains(PosixFilePermission.OTHERS_READ)) {
        warnings.append(
            "firmament: warning: "
                + file
                + " holds API tokens and others can read it (chmod 600 "
                + file
                + ")"
                + System.lineSeparator());
      }
    } catch (UnsupportedOperationException | IOException e) {
      // Not a POSIX file system: its own access control applies.
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }
}
