package dev.firmament.protocol.cloud;

import java.time.Duration;

/** A device did not answer a call in time: it may still run it. */
public final class CallTimeoutException extends RuntimeException {

  public CallTimeoutException(String deviceId, Duration timeout) {
    super("device " + deviceId + " did not answer within " + timeout.toMillis() + " ms");
  }
}
