package dev.firmament.api.cloudcode;

import dev.firmament.api.event.EventStreams;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * A cloud code deployment ({@code CloudCode}): a named, versioned WebAssembly module of an
 * organization.
 *
 * @param version the version its functions run, the last one deployed
 * @param handlers the handlers of that version
 */
public record CloudCode(
    String id,
    String name,
    int version,
    List<String> handlers,
    String createdBy,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt) {

  /** {@code CloudCodeVersion}: one deployed module. */
  public record Version(
      int version,
      String sha256,
      int sizeBytes,
      List<String> handlers,
      String deployedBy,
      OffsetDateTime deployedAt) {}

  /**
   * {@code CloudCodeFunction}: a handler run on events its filter keeps ({@code EVENT}) or every
   * {@code everySeconds} ({@code SCHEDULE}).
   *
   * @param maxDeviceCalls the device calls a run may make, 0 when it may call none; its allowance
   *     ({@code deviceCalls}) is read apart, for the functions it is asked of
   */
  public record Function(
      String id,
      String cloudCodeId,
      String name,
      String handler,
      String trigger,
      EventStreams.StreamFilter filter,
      Integer everySeconds,
      OffsetDateTime nextRunAt,
      boolean enabled,
      List<String> httpTargets,
      int maxDeviceCalls,
      String createdBy,
      OffsetDateTime createdAt) {}

  /**
   * {@code CloudCodeDeviceCalls}: the devices a function may call, by id and by product, and how
   * many calls one run may make.
   */
  public record DeviceCalls(List<String> deviceIds, List<String> productIds, int maxPerRun) {}

  /** {@code CloudCodeRun}: one run of a function, however it ended. */
  public record Run(
      String id,
      String functionId,
      int version,
      String trigger,
      String eventName,
      String status,
      String message,
      Integer returnCode,
      List<String> log,
      long instructions,
      int durationMs,
      OffsetDateTime startedAt) {}
}
