package dev.firmament.api.cloudcode;

import dev.firmament.cloudcode.Sandbox;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Cloud code ({@code firmament.cloud-code.*}).
 *
 * @param run whether this process runs cloud code functions (any number of API processes may: they
 *     share the invocations through claims)
 * @param timeLimit the most one run may take, host calls included
 * @param memoryPages the most memory a function may have, in pages of 64 KiB
 * @param instructions the most WebAssembly instructions one run may execute
 * @param maxPublishes events one run may publish
 * @param maxDeviceCalls device functions one run may call at most, whatever a function's allowance
 *     says (a function is given at most this many when it is made); 0 turns device calls off
 * @param concurrency runs at once in this process (they are processor-bound)
 * @param pollInterval how often the change feed, the schedules and the invocations are looked at
 * @param claim how long a process holds an invocation before another may run it again
 * @param retention how long runs and finished invocations are kept
 */
@ConfigurationProperties("firmament.cloud-code")
public record CloudCodeProperties(
    @DefaultValue("true") boolean run,
    @DefaultValue("1s") Duration timeLimit,
    @DefaultValue("16") int memoryPages,
    @DefaultValue("50000000") long instructions,
    @DefaultValue("10") int maxPublishes,
    @DefaultValue("10") int maxDeviceCalls,
    @DefaultValue("2") int concurrency,
    @DefaultValue("200ms") Duration pollInterval,
    @DefaultValue("1m") Duration claim,
    @DefaultValue("30d") Duration retention) {

  public CloudCodeProperties {
    limits(timeLimit, memoryPages, instructions);
    if (maxPublishes < 0
        || maxDeviceCalls < 0
        || concurrency < 1
        || pollInterval.toMillis() < 10
        || claim.compareTo(timeLimit) <= 0
        || retention.toHours() < 1) {
      throw new IllegalArgumentException(
          "firmament.cloud-code.*: max-publishes and max-device-calls at least 0, concurrency at"
              + " least 1,"
              + " poll-interval at least 10ms, claim longer than the time limit, retention at"
              + " least 1h");
    }
  }

  public Sandbox.Limits limits() {
    return limits(timeLimit, memoryPages, instructions);
  }

  private static Sandbox.Limits limits(Duration time, int pages, long instructions) {
    return new Sandbox.Limits(time, pages, instructions);
  }
}
