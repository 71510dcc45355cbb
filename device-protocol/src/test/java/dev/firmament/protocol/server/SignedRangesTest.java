package dev.firmament.protocol.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How the bytes signed for a device that downloads over HTTPS are counted. */
class SignedRangesTest {

  @Test
  void nothingIsSignedBeforeTheFirstLink() {
    SignedRanges ranges = new SignedRanges(1_000);
    ranges.acknowledged(500);
    assertThat(ranges.total()).isZero();
  }

  @Test
  void oneLinkCoversTheArtifactFromWhereTheDeviceStood() {
    SignedRanges ranges = new SignedRanges(1_000);
    ranges.issued(0);
    assertThat(ranges.total()).isEqualTo(1_000);
    ranges.acknowledged(0);
    ranges.acknowledged(600);
    assertThat(ranges.total()).isEqualTo(1_000);
  }

  @Test
  void aDeviceThatAlreadyHeldBytesIsCountedFromItsFirstAnswer() {
    SignedRanges ranges = new SignedRanges(1_000);
    ranges.issued(0);
    ranges.acknowledged(300);
    assertThat(ranges.total()).isEqualTo(700);
    // Later answers move only how far the device got, not where the link started.
    ranges.acknowledged(800);
    assertThat(ranges.total()).isEqualTo(700);
  }

  @Test
  void aReplacedLinkCountsAsFarAsTheDeviceGotWithIt() {
    SignedRanges ranges = new SignedRanges(1_000);
    ranges.issued(0);
    ranges.acknowledged(0);
    ranges.acknowledged(400);
    ranges.issued(400);
    ranges.acknowledged(400);
    assertThat(ranges.total()).isEqualTo(400 + 600);
    // A link replaced before the device used it costs nothing.
    ranges.issued(400);
    ranges.issued(400);
    assertThat(ranges.total()).isEqualTo(1_000);
  }

  @Test
  void aDeviceThatStartsOverIsCountedTwice() {
    SignedRanges ranges = new SignedRanges(1_000);
    ranges.issued(0);
    ranges.acknowledged(0);
    ranges.acknowledged(700);
    ranges.issued(0);
    ranges.acknowledged(0);
    assertThat(ranges.total()).isEqualTo(700 + 1_000);
  }

  @Test
  void offsetsOutsideTheArtifactAreClamped() {
    SignedRanges ranges = new SignedRanges(1_000);
    ranges.issued(-5);
    assertThat(ranges.total()).isEqualTo(1_000);
    ranges.acknowledged(0);
    ranges.acknowledged(5_000);
    ranges.issued(5_000);
    assertThat(ranges.total()).isEqualTo(1_000);
  }
}
