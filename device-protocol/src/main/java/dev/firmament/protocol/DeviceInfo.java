package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.regex.Pattern;

/**
 * What a device says about itself in its online presence: its platform, hardware revision, radio
 * module, and the versions of its boot loader and system (the layer below the application firmware
 * that rollouts replace). Every field is optional, at most {@value #MAX_LENGTH} printable ASCII
 * characters.
 *
 * @param platform the device family or SoC, for example {@code stm32f4} or {@code esp32-s3}
 * @param hardware the board's revision
 * @param radio the radio module and its firmware, for example {@code bg96 1.3}
 * @param bootloaderVersion the boot loader's version
 * @param systemVersion the device OS's or system firmware's version
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeviceInfo(
    String platform,
    String hardware,
    String radio,
    String bootloaderVersion,
    String systemVersion) {

  public static final int MAX_LENGTH = 64;
  private static final Pattern PRINTABLE = Pattern.compile("[\\x20-\\x7E]+");

  public DeviceInfo {
    check("platform", platform);
    check("hardware", hardware);
    check("radio", radio);
    check("bootloaderVersion", bootloaderVersion);
    check("systemVersion", systemVersion);
  }

  private static void check(String field, String value) {
    if (value != null) {
      Checks.require(
          value.length() <= MAX_LENGTH && PRINTABLE.matcher(value).matches(),
          "info." + field + " must be 1 to " + MAX_LENGTH + " printable ASCII characters");
    }
  }
}
