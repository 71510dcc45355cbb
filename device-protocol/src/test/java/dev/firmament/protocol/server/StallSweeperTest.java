package dev.firmament.protocol.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.protocol.Artifact;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StallSweeperTest {

  private static final long TIMEOUT = Duration.ofSeconds(10).toNanos();
  private static final long T0 = 1_000_000_000L;

  private final List<GatewaySession> reoffered = new ArrayList<>();
  private final Set<GatewaySession> waiting = new HashSet<>();
  private final StallSweeper sweeper =
      new StallSweeper(Duration.ofNanos(TIMEOUT), waiting::contains, reoffered::add);

  private static GatewaySession session(String deviceId) {
    byte[] bytes = new byte[1_000];
    return new GatewaySession(
        new Delivery(
            deviceId,
            "u-1",
            "2.0.0",
            Artifact.full(bytes.length, "0".repeat(64), 100),
            ArtifactSource.ofBytes(bytes)),
        4,
        delta -> {},
        T0);
  }

  @Test
  void exactlyAtTheStallTimeoutADeliveryIsReoffered() {
    GatewaySession quiet = session("d-1");

    assertThat(sweeper.sweep(List.of(quiet), T0 + TIMEOUT)).isEqualTo(1);

    assertThat(reoffered).containsExactly(quiet);
    assertThat(quiet.stalls()).isEqualTo(1);
    assertThat(quiet.lastProgressNanos()).isEqualTo(T0 + TIMEOUT);
  }

  @Test
  void oneNanosecondBeforeTheTimeoutNothingHappens() {
    GatewaySession quiet = session("d-1");

    assertThat(sweeper.sweep(List.of(quiet), T0 + TIMEOUT - 1)).isZero();

    assertThat(reoffered).isEmpty();
    assertThat(quiet.stalls()).isZero();
  }

  @Test
  void eachReofferDoublesTheTimeoutUpToSixteenTimes() {
    assertThat(sweeper.timeoutNanos(0)).isEqualTo(TIMEOUT);
    assertThat(sweeper.timeoutNanos(1)).isEqualTo(2 * TIMEOUT);
    assertThat(sweeper.timeoutNanos(4)).isEqualTo(16 * TIMEOUT);
    assertThat(sweeper.timeoutNanos(5)).isEqualTo(16 * TIMEOUT);

    GatewaySession quiet = session("d-1");
    long now = T0 + TIMEOUT;
    sweeper.sweep(List.of(quiet), now);
    assertThat(sweeper.sweep(List.of(quiet), now + 2 * TIMEOUT - 1)).isZero();
    assertThat(sweeper.sweep(List.of(quiet), now + 2 * TIMEOUT)).isEqualTo(1);
    assertThat(quiet.stalls()).isEqualTo(2);
  }

  @Test
  void progressResetsTheBackoff() {
    GatewaySession session = session("d-1");
    sweeper.sweep(List.of(session), T0 + TIMEOUT);
    sweeper.sweep(List.of(session), T0 + 3 * TIMEOUT);
    assertThat(session.stalls()).isEqualTo(2);

    session.progressed(T0 + 4 * TIMEOUT);

    assertThat(session.stalls()).isZero();
    assertThat(sweeper.sweep(List.of(session), T0 + 5 * TIMEOUT)).isEqualTo(1);
  }

  @Test
  void restartingTheStallClockKeepsTheBackoff() {
    GatewaySession session = session("d-1");
    sweeper.sweep(List.of(session), T0 + TIMEOUT);

    session.restartStallClock(T0 + 2 * TIMEOUT);

    assertThat(session.stalls()).isEqualTo(1);
    assertThat(sweeper.sweep(List.of(session), T0 + 3 * TIMEOUT)).isZero();
    assertThat(sweeper.sweep(List.of(session), T0 + 4 * TIMEOUT)).isEqualTo(1);
  }

  @Test
  void aDeliveryWaitingForTheBudgetNeverStalls() {
    GatewaySession waits = session("d-1");
    GatewaySession quiet = session("d-2");
    waiting.add(waits);

    sweeper.sweep(List.of(waits, quiet), T0 + 100 * TIMEOUT);

    assertThat(reoffered).containsExactly(quiet);
    assertThat(waits.stalls()).isZero();
  }

  @Test
  void theReofferMayCloseDeliveriesWhileTheSweepRuns() {
    List<GatewaySession> open = new ArrayList<>(List.of(session("d-1"), session("d-2")));
    StallSweeper closing = new StallSweeper(Duration.ofNanos(TIMEOUT), s -> false, open::remove);

    assertThat(closing.sweep(open, T0 + TIMEOUT)).isEqualTo(2);
    assertThat(open).isEmpty();
  }
}
