package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * Device to server, on {@code fw/{deviceId}/status}: where the device is in an update.
 *
 * <p>{@code DOWNLOADING} reports double as acknowledgements: {@code offset} is the number of
 * contiguous bytes the device holds, which is also the next offset it expects.
 *
 * @param updateId the update the report is about; may be null only in a {@code REJECTED} report for
 *     an offer so malformed that its id could not be read
 * @param state the device's state in that update
 * @param offset contiguous bytes received; required for {@code DOWNLOADING}
 * @param code why; required for {@code FAILED}, {@code REJECTED} and {@code ROLLED_BACK}
 * @param detail human-readable detail, for logs only
 * @param currentVersion the version the device runs right now
 * @param sentAt the device's clock when it sent the report, if it has one
 * @param received the bytes of this update that reached the device over the network in this attempt
 *     so far (chunk payloads or HTTPS body bytes, re-sent ones included); optional
 * @param linkExpired in a {@code DOWNLOADING} report of a device that downloads over HTTPS: its
 *     link no longer works, and it waits for the offer again with a fresh one; optional
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatusReport(
    String updateId,
    DeviceState state,
    Long offset,
    ErrorCode code,
    String detail,
    String currentVersion,
    Instant sentAt,
    Long received,
    Boolean linkExpired) {

  public StatusReport {
    Checks.require(state != null, "state is required");
    if (updateId != null || state != DeviceState.REJECTED) {
      Checks.requireUpdateId(updateId);
    }
    Checks.require(offset == null || offset >= 0, "offset must not be negative, was " + offset);
    Checks.require(
        state != DeviceState.DOWNLOADING || offset != null, "a DOWNLOADING report needs an offset");
    Checks.require(!state.requiresCode() || code != null, "a " + state + " report needs a code");
    Checks.requireVersion("currentVersion", currentVersion);
    Checks.require(
        detail == null || detail.length() <= 1024, "detail must be at most 1024 characters");
    Checks.require(
        received == null || received >= 0, "received must not be negative, was " + received);
    Checks.require(
        !Boolean.TRUE.equals(linkExpired) || state == DeviceState.DOWNLOADING,
        "only a DOWNLOADING report says linkExpired");
  }

  /** A report without the device's byte count or a link request. */
  public StatusReport(
      String updateId,
      DeviceState state,
      Long offset,
      ErrorCode code,
      String detail,
      String currentVersion,
      Instant sentAt) {
    this(updateId, state, offset, code, detail, currentVersion, sentAt, null, null);
  }

  /** This report, saying that {@code bytes} reached the device in this attempt. */
  public StatusReport withReceived(long bytes) {
    return new StatusReport(
        updateId, state, offset, code, detail, currentVersion, sentAt, bytes, linkExpired);
  }

  /** This {@code DOWNLOADING} report, asking for a fresh download link. */
  public StatusReport withLinkExpired() {
    return new StatusReport(
        updateId, state, offset, code, detail, currentVersion, sentAt, received, true);
  }

  /** Whether the device asks for a fresh download link. */
  public boolean asksForLink() {
    return Boolean.TRUE.equals(linkExpired);
  }

  /** A {@code DOWNLOADING} report acknowledging {@code offset} contiguous bytes. */
  public static StatusReport downloading(String updateId, long offset, String currentVersion) {
    return new StatusReport(
        updateId, DeviceState.DOWNLOADING, offset, null, null, currentVersion, Instant.now());
  }

  /** A report without offset or code, for the intermediate and successful states. */
  public static StatusReport of(String updateId, DeviceState state, String currentVersion) {
    return new StatusReport(updateId, state, null, null, null, currentVersion, Instant.now());
  }

  /** A {@code FAILED}, {@code REJECTED} or {@code ROLLED_BACK} report. */
  public static StatusReport failure(
      String updateId, DeviceState state, ErrorCode code, String detail, String currentVersion) {
    return new StatusReport(updateId, state, null, code, detail, currentVersion, Instant.now());
  }
}
