package dev.firmament.api.cloud;

import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.device.Device;
import dev.firmament.api.device.DeviceRepository;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.tenant.TenantResolver;
import dev.firmament.protocol.CloudCall;
import dev.firmament.protocol.CloudReply;
import dev.firmament.protocol.MalformedMessageException;
import dev.firmament.protocol.cloud.CallTimeoutException;
import dev.firmament.protocol.cloud.CallerUnavailableException;
import dev.firmament.protocol.cloud.CloudCaller;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;

/**
 * Function calls and variable reads, from the API to a device and back.
 *
 * <p>A call names a device the caller may see and a function or variable the device declared; an
 * offline device is answered at once ({@code connected: false} and {@code DEVICE_OFFLINE}), without
 * anything sent. Otherwise the call goes to the device through the broker and waits for its reply
 * up to {@code firmament.cloud.call-timeout}, or less when the caller has less time (cloud code),
 * ({@code DEADLINE_EXCEEDED} after). Every call is recorded, however it ended: who asked, when, the
 * argument's size, the result and the latency.
 */
@Service
public class DeviceCalls {
  private static final Logger log = LoggerFactory.getLogger(DeviceCalls.class);

  private final DeviceRepository devices;
  private final DeviceCallRepository calls;
  private final TenantResolver tenants;
  private final ObjectProvider<CloudCaller> caller;
  private final Duration timeout;
  private final Clock clock;

  /**
   * Where a reply is recorded and answered: never on the broker client's thread (a reply completes
   * its call there; the record is a database transaction, which would hold every other reply).
   */
  private final java.util.concurrent.Executor recorder =
      java.util.concurrent.Executors.newThreadPerTaskExecutor(
          Thread.ofVirtual().name("device-call-", 0).factory());

  public DeviceCalls(
      DeviceRepository devices,
      DeviceCallRepository calls,
      TenantResolver tenants,
      ObjectProvider<CloudCaller> caller,
      @Value("${firmament.cloud.call-timeout:10s}") Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("firmament.cloud.call-timeout must be positive");
    }
    this.devices = devices;
    this.calls = calls;
    this.tenants = tenants;
    this.caller = caller;
    this.timeout = timeout;
    this.clock = Clock.systemUTC();
  }

  /** How a call ended: the answer for the client, and the error to show with it, if any. */
  public record Ended<T>(T value, ApiException error) {}

  /** Calls a device's function. */
  public CompletableFuture<Ended<FunctionCall>> callFunction(
      String deviceId, String name, String argument) {
    return callFunction(deviceId, name, argument, timeout);
  }

  /**
   * Calls a device's function, waiting for its reply at most {@code within} when that is less than
   * {@code firmament.cloud.call-timeout}: cloud code calls with what is left of its run's time.
   */
  public CompletableFuture<Ended<FunctionCall>> callFunction(
      String deviceId, String name, String argument, Duration within) {
    Duration wait = within.compareTo(timeout) < 0 ? within : timeout;
    CloudCall.Function call;
    try {
      call = new CloudCall.Function(name, argument);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(e.getMessage());
    }
    Started started = start(deviceId);
    if (!calls.declaresFunction(started.organizationId(), deviceId, name)) {
      throw new ApiException(
          ErrorCode.NOT_FOUND, "device " + deviceId + " declares no function " + name);
    }
    int argumentBytes = call.argument().getBytes(StandardCharsets.UTF_8).length;
    return send(started, call, wait)
        .thenApplyAsync(
            sent -> {
              Integer returnValue =
                  sent.reply() != null && sent.reply().ok() ? sent.reply().returnValue() : null;
              calls.record(
                  started.record("function", name, argumentBytes, sent, returnValue, null, null),
                  sent.heardAt());
              return new Ended<>(
                  new FunctionCall(
                      started.id().toString(),
                      deviceId,
                      name,
                      returnValue,
                      sent.connected(),
                      started.calledAt()),
                  sent.error());
            },
            recorder);
  }

  /**
   * Probes a device: a {@code ping} the device answers at once, whatever it declared; the round
   * trip is the path to the device and back. Recorded with the calls (kind {@code probe}).
   */
  public CompletableFuture<Ended<PinholeEvent>> probe(String deviceId) {
    Started started = start(deviceId);
    return send(started, new CloudCall.Ping(), timeout)
        .thenApplyAsync(
            sent -> {
              calls.record(
                  started.record("probe", "ping", 0, sent, null, null, null), sent.heardAt());
              boolean answered = sent.reply() != null && sent.reply().ok();
              return new Ended<>(
                  new PinholeEvent(
                      started.id().toString(),
                      deviceId,
                      sent.connected(),
                      answered ? sent.latencyMs() : null,
                      started.calledAt()),
                  sent.error());
            },
            recorder);
  }

  /** Reads a device's variable. */
  public CompletableFuture<Ended<VariableRequest>> readVariable(String deviceId, String name) {
    CloudCall.Variable call;
    try {
      call = new CloudCall.Variable(name);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(e.getMessage());
    }
    Started started = start(deviceId);
    String type =
        calls
            .variableType(started.organizationId(), deviceId, name)
            .orElseThrow(
                () ->
                    new ApiException(
                        ErrorCode.NOT_FOUND,
                        "device " + deviceId + " declares no variable " + name));
    return send(started, call, timeout)
        .thenApplyAsync(
            sent -> {
              Sent checked = sent;
              Object value = null;
              if (sent.reply() != null && sent.reply().ok()) {
                if (type.equals(sent.reply().type())) {
                  value = sent.reply().value();
                } else {
                  checked =
                      sent.refused(
                          "WRONG_TYPE",
                          new ApiException(
                              ErrorCode.DEVICE_ERROR,
                              "device "
                                  + deviceId
                                  + " answered "
                                  + name
                                  + " as "
                                  + sent.reply().type()
                                  + ", declared "
                                  + type));
                }
              }
              calls.record(
                  started.record(
                      "variable",
                      name,
                      0,
                      checked,
                      null,
                      value == null ? null : String.valueOf(value),
                      value == null ? null : type),
                  checked.heardAt());
              OffsetDateTime lastHeard =
                  checked.heardAt() != null ? checked.heardAt() : started.device().lastHeard();
              return new Ended<>(
                  new VariableRequest(
                      started.id().toString(),
                      name,
                      type,
                      value,
                      new CoreInfo(deviceId, lastHeard, checked.connected())),
                  checked.error());
            },
            recorder);
  }

  /** A call about to be sent: its id, its device, who asked and when. */
  private record Started(
      UUID id, UUID organizationId, Device device, String actor, OffsetDateTime calledAt) {

    DeviceCallRepository.CallRecord record(
        String kind,
        String name,
        int argumentBytes,
        Sent sent,
        Integer returnValue,
        String result,
        String resultType) {
      return new DeviceCallRepository.CallRecord(
          id,
          organizationId,
          device.id(),
          kind,
          name,
          argumentBytes,
          actor,
          calledAt,
          sent.outcome(),
          returnValue,
          result,
          resultType,
          sent.errorCode(),
          sent.latencyMs());
    }
  }

  /**
   * What came back: the device's reply (null when none), the outcome to record, the error to show,
   * whether the device was connected, when it was heard, and the latency.
   */
  private record Sent(
      CloudReply reply,
      String outcome,
      String errorCode,
      ApiException error,
      boolean connected,
      OffsetDateTime heardAt,
      Integer latencyMs) {

    Sent refused(String code, ApiException error) {
      return new Sent(reply, "refused", code, error, connected, heardAt, latencyMs);
    }
  }

  private Started start(String deviceId) {
    UUID organizationId = tenants.organizationId();
    Device device =
        devices
            .findById(organizationId, deviceId)
            .orElseThrow(() -> ApiException.notFound("device", deviceId));
    String actor = Callers.find().map(Caller::actor).orElse("anonymous");
    return new Started(UUID.randomUUID(), organizationId, device, actor, now());
  }

  private CompletableFuture<Sent> send(Started started, CloudCall call, Duration timeout) {
    String deviceId = started.device().id();
    if (!started.device().online()) {
      return CompletableFuture.completedFuture(
          new Sent(
              null,
              "offline",
              ErrorCode.DEVICE_OFFLINE.name(),
              new ApiException(ErrorCode.DEVICE_OFFLINE, "device " + deviceId + " is offline"),
              false,
              null,
              null));
    }
    CloudCaller mqtt = caller.getIfAvailable();
    if (mqtt == null) {
      throw new ApiException(
          ErrorCode.UNAVAILABLE, "device calls are not configured here (firmament.mqtt.url)");
    }
    long sentAt = System.nanoTime();
    return mqtt.call(deviceId, call, timeout)
        .handle(
            (reply, failure) -> {
              int latency = (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - sentAt) / 1e6);
              if (failure == null) {
                return answered(deviceId, call, reply, latency);
              }
              return failed(deviceId, unwrap(failure), latency, timeout);
            });
  }

  private Sent answered(String deviceId, CloudCall call, CloudReply reply, int latency) {
    OffsetDateTime heard = now();
    if (reply.ok()) {
      return new Sent(reply, "ok", null, null, true, heard, latency);
    }
    ErrorCode code =
        switch (reply.code()) {
          case UNKNOWN_FUNCTION, UNKNOWN_VARIABLE -> ErrorCode.NOT_FOUND;
          case BAD_ARGUMENT -> ErrorCode.INVALID_ARGUMENT;
          case BUSY -> ErrorCode.FAILED_PRECONDITION;
          case MALFORMED, FAILED -> ErrorCode.DEVICE_ERROR;
        };
    String message =
        "device "
            + deviceId
            + " refused "
            + call.name()
            + ": "
            + reply.code()
            + (reply.message() == null ? "" : " (" + reply.message() + ")");
    return new Sent(
        reply,
        "refused",
        reply.code().name(),
        new ApiException(code, message),
        true,
        heard,
        latency);
  }

  private Sent failed(String deviceId, Throwable failure, int latency, Duration timeout) {
    return switch (failure) {
      case CallTimeoutException timedOut ->
          new Sent(
              null,
              "timeout",
              ErrorCode.DEADLINE_EXCEEDED.name(),
              new ApiException(
                  ErrorCode.DEADLINE_EXCEEDED,
                  "device "
                      + deviceId
                      + " did not answer within "
                      + timeout.toMillis()
                      + " ms; it may still run the call"),
              true,
              null,
              latency);
      case MalformedMessageException malformed ->
          new Sent(
              null,
              "refused",
              "MALFORMED_REPLY",
              new ApiException(
                  ErrorCode.DEVICE_ERROR,
                  "device "
                      + deviceId
                      + " answered with a malformed reply: "
                      + malformed.getMessage()),
              true,
              now(),
              latency);
      case CallerUnavailableException unavailable -> unavailable(deviceId, unavailable, latency);
      default -> {
        log.warn("device call failed device={} error={}", deviceId, failure.toString());
        yield unavailable(deviceId, failure, latency);
      }
    };
  }

  private static Sent unavailable(String deviceId, Throwable failure, int latency) {
    return new Sent(
        null,
        "unavailable",
        ErrorCode.UNAVAILABLE.name(),
        new ApiException(
            ErrorCode.UNAVAILABLE,
            "the call to device " + deviceId + " could not be sent; the broker is unavailable"),
        true,
        null,
        latency);
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private OffsetDateTime now() {
    return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
  }
}
