package dev.firmament.workers.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LongDownloadsTest {
  @Test
  void theDerivedCapAddsTheWaitForSlotsToTheGrace() {
    LongDownloads profile = new LongDownloads(500, Duration.ofSeconds(60), 3_000);

    // 500 / (500 × 60 / 3,000 + 30) = 500 / 40
    assertThat(profile.derivedCap()).isCloseTo(12.5, within(1e-9));
    assertThat(profile.uncapped()).isCloseTo(50.0, within(1e-9));
  }

  @Test
  void aPageEveryGraceAndTheEarlyHandOver() {
    LongDownloads profile = new LongDownloads(500, Duration.ofSeconds(60), 20_000);

    assertThat(profile.pageEveryGrace()).isCloseTo(500 / 30.0, within(1e-9));
    // (2,000 + 500) / 60
    assertThat(profile.earlyHandOver()).isCloseTo(2_500 / 60.0, within(1e-9));
  }

  @Test
  void withSlotsToSpareTheDerivedCapApproachesAPageEveryGrace() {
    LongDownloads profile = new LongDownloads(500, Duration.ofSeconds(60), 1_000_000);

    assertThat(profile.derivedCap()).isCloseTo(500 / 30.0, within(0.05));
  }

  @Test
  void theSteadyRateLeavesOutTheFirstAndTheLastPage() {
    // Pages of 10 finishing together every 30 s, the first after a slow start and the last late.
    int pageSize = 10;
    double[] completions = new double[50];
    for (int i = 0; i < completions.length; i++) {
      int page = i / pageSize;
      completions[i] = page == 0 ? 5 + i : 100 + 30.0 * page + (page == 4 ? 200 : 0);
    }

    // From the first of page 1 (130 s) to the first of page 4 (420 s): 30 devices in 290 s.
    assertThat(LongDownloads.steadyRate(completions, pageSize)).isCloseTo(30 / 290.0, within(1e-9));
  }

  @Test
  void evenlySpreadCompletionsGiveTheirRate() {
    double[] completions = new double[1_000];
    for (int i = 0; i < completions.length; i++) {
      completions[i] = i / 8.0;
    }

    assertThat(LongDownloads.steadyRate(completions, 100)).isCloseTo(8.0, within(1e-9));
  }

  @Test
  void fewerThanThreePagesHaveNoSteadyPart() {
    assertThat(LongDownloads.steadyRate(new double[] {1, 2, 3, 4}, 2)).isNaN();
    assertThat(LongDownloads.steadyRate(new double[] {1, 2, 3, 4, 5}, 2)).isEqualTo(1.0);
  }

  @Test
  void settingsMustBePositive() {
    assertThatThrownBy(() -> new LongDownloads(0, Duration.ofSeconds(60), 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LongDownloads(10, Duration.ZERO, 10))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
