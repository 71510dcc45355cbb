package dev.firmament.protocol.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.protocol.server.TransferWindow.Ack;
import org.junit.jupiter.api.Test;

class TransferWindowTest {

  private static final int CHUNK = 100;

  /** The total of bytes in flight, as the gateway keeps it from the window's changes. */
  private long inFlight;

  private TransferWindow window(long size, int chunks) {
    return new TransferWindow(size, CHUNK, chunks, delta -> inFlight += delta);
  }

  /** Sends chunks until the window says stop; returns how many went out. */
  private static int fill(TransferWindow window) {
    int sent = 0;
    for (int length; (length = window.nextChunkLength()) > 0; sent++) {
      window.sent(length);
    }
    return sent;
  }

  @Test
  void nothingIsSentBeforeTheDeviceAccepts() {
    TransferWindow window = window(1_000, 4);

    assertThat(window.nextChunkLength()).isZero();
    assertThat(window.acknowledge(0)).isEqualTo(Ack.STARTED);
    assertThat(window.nextChunkLength()).isEqualTo(CHUNK);
  }

  @Test
  void aFullWindowSendsNothingMoreUntilAnAcknowledgement() {
    TransferWindow window = window(1_000, 4);
    window.acknowledge(0);

    assertThat(fill(window)).isEqualTo(4);
    assertThat(window.nextChunkLength()).as("window full").isZero();
    assertThat(window.inFlight()).isEqualTo(400);
    assertThat(inFlight).isEqualTo(400);

    assertThat(window.acknowledge(200)).isEqualTo(Ack.ADVANCED);
    assertThat(window.inFlight()).isEqualTo(200);
    assertThat(fill(window)).isEqualTo(2);
    assertThat(window.next()).isEqualTo(600);
  }

  @Test
  void theLastChunkIsShortAndNothingFollowsIt() {
    TransferWindow window = window(250, 8);
    window.acknowledge(0);

    assertThat(window.nextChunkLength()).isEqualTo(CHUNK);
    window.sent(CHUNK);
    window.sent(CHUNK);
    assertThat(window.nextChunkLength()).isEqualTo(50);
    window.sent(50);
    assertThat(window.nextChunkLength()).isZero();
  }

  @Test
  void aDeviceMayStartInTheMiddle() {
    TransferWindow window = window(1_000, 2);

    assertThat(window.acknowledge(600)).isEqualTo(Ack.STARTED);
    assertThat(window.acked()).isEqualTo(600);
    assertThat(window.next()).isEqualTo(600);
    assertThat(fill(window)).isEqualTo(2);
  }

  @Test
  void anAcknowledgementExactlyAtTheEndIsInRangeAndOnePastIsIgnored() {
    TransferWindow window = window(1_000, 4);
    window.acknowledge(0);
    fill(window);

    assertThat(window.acknowledge(1_001)).isEqualTo(Ack.OUT_OF_RANGE);
    assertThat(window.acked()).isZero();
    assertThat(window.next()).isEqualTo(400);

    assertThat(window.acknowledge(1_000)).isEqualTo(Ack.ADVANCED);
    assertThat(window.acked()).isEqualTo(1_000);
    assertThat(window.nextChunkLength()).isZero();
  }

  @Test
  void anAcknowledgementBeyondWhatWasSentMovesBothEnds() {
    TransferWindow window = window(1_000, 2);
    window.acknowledge(0);
    fill(window);

    assertThat(window.acknowledge(700)).isEqualTo(Ack.ADVANCED);
    assertThat(window.next()).isEqualTo(700);
    assertThat(window.inFlight()).isZero();
  }

  @Test
  void aLowerAcknowledgementRewindsOnceAndItsCopiesDoNothing() {
    TransferWindow window = window(1_000, 4);
    window.acknowledge(0);
    fill(window);
    window.acknowledge(200);
    fill(window);
    assertThat(window.next()).isEqualTo(600);

    assertThat(window.acknowledge(100)).isEqualTo(Ack.REWOUND);
    assertThat(window.acked()).isEqualTo(100);
    assertThat(window.next()).isEqualTo(100);
    assertThat(inFlight).isZero();
    fill(window);

    assertThat(window.acknowledge(100)).as("the same request again").isEqualTo(Ack.REPEATED);
    assertThat(window.next()).isEqualTo(500);
  }

  @Test
  void aDuplicateOfTheLastAcknowledgementRewindsOnce() {
    TransferWindow window = window(1_000, 4);
    window.acknowledge(0);
    fill(window);
    window.acknowledge(200);
    fill(window);

    // The device repeats 200: it lost what came after and wants it again, once.
    assertThat(window.acknowledge(200)).isEqualTo(Ack.REWOUND);
    assertThat(window.next()).isEqualTo(200);
    fill(window);
    assertThat(window.acknowledge(200)).isEqualTo(Ack.REPEATED);
    assertThat(window.next()).isEqualTo(600);

    // Progress clears the mark, so a later loss at the new offset rewinds again.
    window.acknowledge(400);
    assertThat(window.acknowledge(400)).isEqualTo(Ack.REWOUND);
  }

  @Test
  void settlingLeavesNothingInFlight() {
    TransferWindow window = window(1_000, 4);
    window.acknowledge(0);
    fill(window);

    window.settle();

    assertThat(window.inFlight()).isZero();
    assertThat(inFlight).isZero();
  }

  @Test
  void theReservationIsAWholeWindowOrWhatIsLeftAndAtLeastOneByte() {
    TransferWindow window = window(1_000, 4);
    assertThat(window.bytesToReserve()).isEqualTo(400);

    window.acknowledge(700);
    assertThat(window.bytesToReserve()).isEqualTo(300);

    window.acknowledge(1_000);
    assertThat(window.bytesToReserve()).isEqualTo(1);

    assertThat(window(0, 4).bytesToReserve()).as("an empty artifact").isEqualTo(1);
  }
}
