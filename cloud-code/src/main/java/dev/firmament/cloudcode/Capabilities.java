package dev.firmament.cloudcode;

import java.time.Duration;
import java.util.Optional;

/**
 * Everything a function can do outside its own memory: the host functions it may import from the
 * {@code firmament} module, each bound to the function's organization by whoever implements it. A
 * function that imports anything else is refused when it is loaded, so there is no file system, no
 * network, no clock and no other organization to reach.
 */
public interface Capabilities {
  /** A refusal a function is told as a negative return code; the message goes to its log. */
  final class Refused extends RuntimeException {
    private final int code;

    public Refused(int code, String message) {
      super(message);
      if (code >= 0) {
        throw new IllegalArgumentException("a refusal's code is negative");
      }
      this.code = code;
    }

    public int code() {
      return code;
    }
  }

  /** {@code log(ptr, len)}: a line of the function's log. */
  void log(String line);

  /** {@code publish(name, data) -> 0 or a refusal}: an event of the function's organization. */
  void publish(String name, String data);

  /** {@code ledger_get(name, out, cap) -> length, -1 missing}: a ledger's document. */
  Optional<String> ledgerGet(String ledger);

  /** {@code ledger_set(name, document) -> 0 or a refusal}: writes a ledger's document. */
  void ledgerSet(String ledger, String document);

  /** An HTTP answer: its status and (the start of) its body. */
  record HttpAnswer(int status, byte[] body) {}

  /**
   * {@code http_post(url, body, out, cap) -> status or a refusal}: posts to an HTTP target the
   * function is allowed; refused unless an implementation allows some. The post may take no longer
   * than {@code within}, what is left of the run's time (as for {@link #callFunction}).
   */
  default HttpAnswer httpPost(String url, String body, Duration within) {
    throw new Refused(-3, "this function may not call HTTP targets");
  }

  /**
   * {@code call_function(device, function, argument, out) -> 0 or a refusal}: calls a function of a
   * device the function is allowed to call and answers the device's return value, which the sandbox
   * writes at {@code out} (4 bytes, little-endian: any int32 is a valid return value, so it cannot
   * share the return code with the refusals). Refused unless an implementation allows devices.
   *
   * <p>The call may block while the device answers, but never longer than {@code within}, what is
   * left of the run's time: the sandbox cannot interrupt a host call, only look at the clock once
   * it returns, so an implementation that waited longer would let the function outlive its limit.
   */
  default int callFunction(String deviceId, String function, String argument, Duration within) {
    throw new Refused(-3, "this function may not call device functions");
  }
}
