package dev.firmament.workers.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.firmament.workers.bench.FleetProfile.Behaviour;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FleetProfileTest {
  private static final List<String> FLEET =
      IntStream.rangeClosed(1, 100_000).mapToObj("real-%07d"::formatted).toList();

  @Test
  void aNumberedFleetSplitsNearTheProfilesShares() {
    Map<Behaviour, Integer> counts = FleetProfile.realistic().count(FLEET);

    assertThat(share(counts, Behaviour.NEVER_CONNECTS)).isCloseTo(0.03, within(0.002));
    assertThat(share(counts, Behaviour.CONNECTS_LATE)).isCloseTo(0.02, within(0.002));
    assertThat(share(counts, Behaviour.SLOW)).isCloseTo(0.02, within(0.002));
    assertThat(share(counts, Behaviour.FAILS)).isCloseTo(0.01, within(0.002));
    assertThat(share(counts, Behaviour.SUCCEEDS_AT_ONCE)).isCloseTo(0.92, within(0.004));
  }

  @Test
  void aDeviceAlwaysBehavesTheSame() {
    FleetProfile profile = FleetProfile.realistic();
    FleetProfile again = FleetProfile.realistic();

    for (String id : FLEET.subList(0, 1_000)) {
      assertThat(again.of(id)).isEqualTo(profile.of(id));
    }
  }

  @Test
  void aProfileWithoutSharesSucceedsAtOnceEverywhere() {
    Map<Behaviour, Integer> counts = new FleetProfile(0, 0, 0, 0).count(FLEET);

    assertThat(counts.get(Behaviour.SUCCEEDS_AT_ONCE)).isEqualTo(FLEET.size());
  }

  @Test
  void onlyTheOfflineBehavioursStartOffline() {
    assertThat(Behaviour.NEVER_CONNECTS.startsOffline()).isTrue();
    assertThat(Behaviour.CONNECTS_LATE.startsOffline()).isTrue();
    assertThat(Behaviour.SLOW.startsOffline()).isFalse();
    assertThat(Behaviour.FAILS.startsOffline()).isFalse();
    assertThat(Behaviour.SUCCEEDS_AT_ONCE.startsOffline()).isFalse();
  }

  @Test
  void aSlowDeviceTakesOneToFiveSimulatedMinutesSpreadOverTheRange() {
    Duration minute = Duration.ofSeconds(1);
    var slowness = FLEET.stream().map(id -> FleetProfile.slowness(id, minute).toMillis()).toList();

    assertThat(slowness).allMatch(ms -> ms >= 1_000 && ms <= 5_000);
    assertThat(slowness).anyMatch(ms -> ms < 1_500).anyMatch(ms -> ms > 4_500);
  }

  @Test
  void sharesAboveTheWholeFleetAreRefused() {
    assertThatThrownBy(() -> new FleetProfile(0.5, 0.3, 0.2, 0.01))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static double share(Map<Behaviour, Integer> counts, Behaviour behaviour) {
    return counts.get(behaviour) / (double) FLEET.size();
  }
}
