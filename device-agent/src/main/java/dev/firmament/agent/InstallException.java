package dev.firmament.agent;

import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ErrorCode;
import java.util.Objects;

/**
 * An {@link Installer} step that failed, with the error code the device reports. Nothing is
 * installed when a step fails: the running slot stays as it was.
 */
final class InstallException extends Exception {

  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  InstallException(ErrorCode code, String message) {
    super(message);
    this.code = Objects.requireNonNull(code, "code");
  }

  InstallException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  /** The error code to report. */
  ErrorCode code() {
    return code;
  }

  /**
   * The terminal state to report: {@code ROLLED_BACK} when the new slot was booted and the device
   * went back to the old one ({@code BOOT_FAILED}), {@code FAILED} otherwise.
   */
  DeviceState state() {
    return code == ErrorCode.BOOT_FAILED ? DeviceState.ROLLED_BACK : DeviceState.FAILED;
  }
}
