package dev.firmament.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.core.env.PropertyResolver;

/**
 * What the production server refuses to start with. The code's defaults suit a developer's machine
 * (no signing key, the repository's own S3 password); in production they would quietly store every
 * build unsigned or run on a password anyone can read, so a production role names the settings it
 * is missing and stops instead.
 *
 * <p>Only {@link FirmamentServer} applies these rules; the dev process generates its own keys and
 * runs the same configuration without them.
 */
public final class ProductionSettings {

  /** Set to {@code true} to run a role that builds deltas without a release signing key. */
  public static final String ALLOW_UNSIGNED = "firmament.signing.allow-unsigned";

  /**
   * Set to {@code true} to accept the development credentials below, e.g. when the production roles
   * run against the embedded services of the dev stack.
   */
  public static final String ALLOW_DEVELOPMENT_CREDENTIALS =
      "firmament.security.allow-development-credentials";

  /**
   * Passwords this repository ships as defaults: in the code, the compose file, the Kubernetes
   * Secret template and the dev stack. Anyone can read them, so none of them protects anything.
   */
  static final Set<String> DEVELOPMENT_PASSWORDS =
      Set.of(
          "firmament",
          "firmament-secret",
          "firmament-dev-secret",
          "postgres",
          "temporal",
          "minioadmin",
          "CHANGE-ME");

  /** The secrets that must not be development passwords. */
  private static final List<String> SECRETS =
      List.of(
          "spring.datasource.password",
          "firmament.s3.secret-key",
          "firmament.mqtt.password",
          "firmament.mqtt.dynamic-security.admin-password",
          "firmament.metrics.token");

  /** Roles that run the delta pipeline, which signs builds and downgrade grants. */
  private static final Set<String> SIGNING_ROLES = Set.of("all", "workers", "delta");

  private ProductionSettings() {}

  /**
   * The reasons the role must not start with these settings, each naming the settings to give; an
   * empty list when it may start.
   */
  public static List<String> problems(String role, PropertyResolver settings) {
    List<String> problems = new ArrayList<>();
    if (SIGNING_ROLES.contains(role)
        && !hasSigningKeys(settings)
        && !settings.getProperty(ALLOW_UNSIGNED, Boolean.class, false)) {
      problems.add(
          "no release signing key: set firmament.signing.private-key-file and"
              + " firmament.signing.public-key-file (FIRMAMENT_SIGNING_PRIVATEKEYFILE,"
              + " FIRMAMENT_SIGNING_PUBLICKEYFILE; `firmament keys generate` makes the files), or "
              + ALLOW_UNSIGNED
              + "=true to store unsigned builds");
    }
    if (!settings.getProperty(ALLOW_DEVELOPMENT_CREDENTIALS, Boolean.class, false)) {
      for (String key : List.of("firmament.s3.access-key", "firmament.s3.secret-key")) {
        if (isBlank(settings.getProperty(key))) {
          problems.add(key + " is not set (the built-in default is a development credential)");
        }
      }
      for (String key : SECRETS) {
        String value = settings.getProperty(key);
        if (value != null && DEVELOPMENT_PASSWORDS.contains(value.strip())) {
          problems.add(key + " is a development password shipped with Firmament; set your own");
        }
      }
    }
    return List.copyOf(problems);
  }

  /**
   * Stops the start when {@link #problems} finds any.
   *
   * @throws UnsafeProductionSettings naming every problem
   */
  public static void check(String role, PropertyResolver settings) {
    List<String> problems = problems(role, settings);
    if (!problems.isEmpty()) {
      throw new UnsafeProductionSettings(role, problems);
    }
  }

  private static boolean hasSigningKeys(PropertyResolver settings) {
    return (present(settings, "firmament.signing.private-key")
            || present(settings, "firmament.signing.private-key-file"))
        && (present(settings, "firmament.signing.public-key")
            || present(settings, "firmament.signing.public-key-file"));
  }

  private static boolean present(PropertyResolver settings, String key) {
    return !isBlank(settings.getProperty(key));
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }
}
