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
 * @param transports the {@link Transport} names the device can receive bytes over, each once, at
 *     most {@value #MAX_ARTIFACTS}; null when the device says nothing, which means {@code MQTT}
 *     alone; unknown names are kept and ignored
 * @param maxChunkSize the largest chunk frame payload the device takes, {@value
 *     Artifact#MIN_CHUNK_SIZE} to {@value Artifact#MAX_CHUNK_SIZE}; null when it takes any the
 *     protocol allows
 * @param slot how the device keeps its image: two slots or one rewritten in place; null for two
 *     (A/B), as every device always had
 * @param deltaFilters the branch filters of the native patch format (docs/delta-format.md, section
 *     3) the device's applier decodes, each once, at most {@value #MAX_ARTIFACTS}, same naming
 *     rules as {@code artifacts}; null when the device says nothing, which means the filters every
 *     applier has decoded ({@link #LEGACY_FILTERS}); no filter ({@code NONE}) is always decoded;
 *     {@code ABS32} in the list says the applier decodes ABS32 tables (section 3.1), {@code
 *     REGIONS} filter region tables (section 3.2)
 * @param deltaCodecs the entropy stages of the native patch format the device's applier decodes
 *     ({@code ZSTD}, {@code LZMA}), same rules; null when the device says nothing, which means
 *     {@code ZSTD} alone, what every applier has decoded; {@code ZSTD} is always decoded
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeviceCapabilities(
    List<String> artifacts,
    List<String> transports,
    Integer maxChunkSize,
    SlotLayout slot,
    List<String> deltaFilters,
    List<String> deltaCodecs) {

  /**
   * The branch filters every native-patch applier has decoded: what a device that names none is
   * sent. Filters added later ({@code ARM64}, {@code X86}, {@code RISCV}, {@code XTENSA}) reach
   * only devices that name them.
   */
  public static final List<String> LEGACY_FILTERS = List.of("NONE", "THUMB_BL", "ARM_BL");

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
    transports = names(transports, "transports", "transport");
    deltaFilters = names(deltaFilters, "deltaFilters", "filter");
    deltaCodecs = names(deltaCodecs, "deltaCodecs", "codec");
    Checks.require(
        maxChunkSize == null
            || (maxChunkSize >= Artifact.MIN_CHUNK_SIZE && maxChunkSize <= Artifact.MAX_CHUNK_SIZE),
        "capabilities.maxChunkSize must be in ["
            + Artifact.MIN_CHUNK_SIZE
            + ", "
            + Artifact.MAX_CHUNK_SIZE
            + "], was "
            + maxChunkSize);
  }

  /** Capabilities that name no branch filters (the legacy ones). */
  public DeviceCapabilities(
      List<String> artifacts, List<String> transports, Integer maxChunkSize, SlotLayout slot) {
    this(artifacts, transports, maxChunkSize, slot, null, null);
  }

  /** Capabilities of an A/B device. */
  public DeviceCapabilities(List<String> artifacts, List<String> transports, Integer maxChunkSize) {
    this(artifacts, transports, maxChunkSize, null);
  }

  /** Validates an optional list of names: each once, at most {@value #MAX_ARTIFACTS}. */
  private static List<String> names(List<String> names, String field, String what) {
    if (names == null) {
      return null;
    }
    Checks.require(
        names.size() <= MAX_ARTIFACTS,
        "capabilities." + field + " names at most " + MAX_ARTIFACTS + " " + what + "s");
    for (String name : names) {
      Checks.require(
          name != null && NAME.matcher(name).matches(),
          "capabilities." + field + ": each is 1 to 32 of [A-Z0-9_], starting with a letter");
    }
    Checks.require(
        names.stream().distinct().count() == names.size(),
        "capabilities." + field + " names each " + what + " once");
    return List.copyOf(names);
  }

  /** Capabilities naming artifact kinds only: MQTT chunks of any size, two slots. */
  public DeviceCapabilities(List<String> artifacts) {
    this(artifacts, null, null, null);
  }

  /** These capabilities, receiving bytes over {@code transports}. */
  public DeviceCapabilities withTransports(Transport... transports) {
    return new DeviceCapabilities(
        artifacts,
        Arrays.stream(transports).map(Enum::name).toList(),
        maxChunkSize,
        slot,
        deltaFilters,
        deltaCodecs);
  }

  /** These capabilities, taking chunk frames of at most {@code bytes}. */
  public DeviceCapabilities withMaxChunkSize(Integer bytes) {
    return new DeviceCapabilities(artifacts, transports, bytes, slot, deltaFilters, deltaCodecs);
  }

  /** These capabilities, keeping the image as {@code layout} says. */
  public DeviceCapabilities withSlot(SlotLayout layout) {
    return new DeviceCapabilities(
        artifacts, transports, maxChunkSize, layout, deltaFilters, deltaCodecs);
  }

  /** These capabilities, decoding the native patch format's branch filters {@code filters}. */
  public DeviceCapabilities withDeltaFilters(List<String> filters) {
    return new DeviceCapabilities(artifacts, transports, maxChunkSize, slot, filters, deltaCodecs);
  }

  /** These capabilities, decoding the native patch format's entropy stages {@code codecs}. */
  public DeviceCapabilities withDeltaCodecs(List<String> codecs) {
    return new DeviceCapabilities(artifacts, transports, maxChunkSize, slot, deltaFilters, codecs);
  }

  /**
   * Whether the device's applier decodes a native patch whose streams use {@code codec} (its name,
   * upper case); null (not recorded: zstd) and {@code ZSTD} are always decoded.
   */
  public boolean decodesCodec(String codec) {
    if (codec == null || codec.equals("ZSTD")) {
      return true;
    }
    return deltaCodecs != null && deltaCodecs.contains(codec);
  }

  /**
   * Whether the device's applier decodes a native patch made with branch filter {@code filter} (its
   * name, upper case, followed by {@code +ABS32} when the patch also carries an ABS32 table,
   * docs/delta-format.md section 3.1: then the device must name both); null (a patch whose filter
   * was not recorded, built before filters were recorded, or a BSDIFF40 patch) and {@code NONE} are
   * always decoded.
   */
  public boolean decodesFilter(String filter) {
    if (filter == null) {
      return true;
    }
    List<String> decoded = deltaFilters == null ? LEGACY_FILTERS : deltaFilters;
    for (String part : filter.split("\\+", -1)) {
      if (!part.equals("NONE") && !decoded.contains(part)) {
        return false;
      }
    }
    return true;
  }

  /** Whether the device has one slot, rewritten in place by patches built for its layout. */
  public boolean installsInPlace() {
    return slot != null && slot.inPlace();
  }

  /**
   * Whether the device receives bytes over {@code transport}; {@code MQTT} when it said nothing.
   */
  public boolean supports(Transport transport) {
    return transports == null ? transport == Transport.MQTT : transports.contains(transport.name());
  }

  /** The chunk size to offer the device: {@code preferred}, or its maximum when that is smaller. */
  public int chunkSize(int preferred) {
    return maxChunkSize == null ? preferred : Math.min(preferred, maxChunkSize);
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
    return ofStored(kinds, null, null);
  }

  /**
   * Capabilities as the server keeps them, with the transports joined by commas ({@code
   * devices.transports}, null for MQTT alone) and the largest chunk size ({@code
   * devices.max_chunk_size}); null when no kinds were kept.
   */
  public static DeviceCapabilities ofStored(String kinds, String transports, Integer maxChunkSize) {
    return ofStored(kinds, transports, maxChunkSize, null);
  }

  /** As {@link #ofStored(String, String, Integer)}, with the slot layout kept beside them. */
  public static DeviceCapabilities ofStored(
      String kinds, String transports, Integer maxChunkSize, SlotLayout slot) {
    return ofStored(kinds, transports, maxChunkSize, slot, null, null);
  }

  /**
   * As {@link #ofStored(String, String, Integer, SlotLayout)}, with the branch filters and the
   * codecs joined by commas ({@code devices.delta_filters}, {@code devices.delta_codecs}, null when
   * the device named none).
   */
  public static DeviceCapabilities ofStored(
      String kinds,
      String transports,
      Integer maxChunkSize,
      SlotLayout slot,
      String filters,
      String codecs) {
    if (kinds == null) {
      return null;
    }
    return new DeviceCapabilities(
        split(kinds),
        transports == null ? null : split(transports),
        maxChunkSize,
        slot,
        filters == null ? null : split(filters),
        codecs == null ? null : split(codecs));
  }

  private static List<String> split(String joined) {
    return joined.isEmpty() ? List.of() : List.of(joined.split(","));
  }

  /** The kinds the server may offer: {@code capabilities}, or the default when there are none. */
  public static DeviceCapabilities orDefault(DeviceCapabilities capabilities) {
    return capabilities == null ? DEFAULT : capabilities;
  }
}
