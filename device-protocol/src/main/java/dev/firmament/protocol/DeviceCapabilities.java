package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a device says it can install, in its online presence. The server offers a device only the
 * artifact kinds it names; a device that says nothing (the last will, an agent older than this
 * field) is offered {@code FULL} and {@code DELTA}, as every device always was.
 *
 * @param artifacts the {@link ArtifactKind} names the device installs, each once, at most {@value
 *     #MAX_ARTIFACTS}; names this version of the protocol does not know (from a newer device) are
 *     kept and ignored
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeviceCapabilities(List<String> artifacts) {

  public static final int MAX_ARTIFACTS = 16;
  private static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9_]{0,31}");

  /** What a device that declares nothing is offered. */
  public static final DeviceCapabilities DEFAULT = of(ArtifactKind.FULL, ArtifactKind.DELTA);

  public DeviceCapabilities {
    Checks.require(artifacts != null, "capabilities.artifacts is required");
    Checks.require(
        artifacts.size() <= MAX_ARTIFACTS,
        "capabilities.artifacts names at most " + MAX_ARTIFACTS + " kinds");
    for (String name : artifacts) {
      Checks.require(
          name != null && NAME.matcher(name).matches(),
          "capabilities.artifacts: each kind is 1 to 32 of [A-Z0-9_], starting with a letter");
    }
    Checks.require(
        artifacts.stream().distinct().count() == artifacts.size(),
        "capabilities.artifacts names each kind once");
    artifacts = List.copyOf(artifacts);
  }

  /** Capabilities naming {@code kinds}. */
  public static DeviceCapabilities of(ArtifactKind... kinds) {
    return new DeviceCapabilities(Arrays.stream(kinds).map(Enum::name).toList());
  }

  /** Whether the device installs {@code kind}. */
  public boolean accepts(ArtifactKind kind) {
    return artifacts.contains(kind.name());
  }

  /**
   * Capabilities as the server keeps them: their kinds joined by commas ({@code
   * devices.artifact_kinds}, empty for a device that declared none); null when nothing was kept.
   */
  public static DeviceCapabilities ofStored(String kinds) {
    if (kinds == null) {
      return null;
    }
    return new DeviceCapabilities(kinds.isEmpty() ? List.of() : List.of(kinds.split(",")));
  }

  /** The kinds the server may offer: {@code capabilities}, or the default when there are none. */
  public static DeviceCapabilities orDefault(DeviceCapabilities capabilities) {
    return capabilities == null ? DEFAULT : capabilities;
  }
}
