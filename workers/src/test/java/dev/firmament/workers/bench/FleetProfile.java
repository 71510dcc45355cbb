package dev.firmament.workers.bench;

import java.time.Duration;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;

/**
 * How each device of a simulated fleet behaves in a rollout, decided by a hash of its id alone, so
 * that the gateway that plays the fleet and the benchmark that checks the outcome agree on every
 * device without sharing state. Shares are fractions of the fleet; the devices left over succeed at
 * once.
 *
 * @param neverConnects offline throughout the rollout
 * @param connectsLate offline when the rollout starts, online at some moment during it
 * @param slow online, and succeed only after one to five simulated minutes
 * @param fails online, and fail the update
 */
record FleetProfile(double neverConnects, double connectsLate, double slow, double fails) {
  /** Hash buckets: shares are resolved to a hundredth of a percent. */
  private static final int BUCKETS = 10_000;

  FleetProfile {
    double sum = neverConnects + connectsLate + slow + fails;
    if (neverConnects < 0 || connectsLate < 0 || slow < 0 || fails < 0 || sum > 1) {
      throw new IllegalArgumentException("shares must be non-negative and add up to at most 1");
    }
  }

  /** 3 % offline throughout, 2 % connect during the rollout, 2 % slow, 1 % fail. */
  static FleetProfile realistic() {
    return new FleetProfile(0.03, 0.02, 0.02, 0.01);
  }

  /** What one device does. */
  enum Behaviour {
    SUCCEEDS_AT_ONCE,
    SLOW,
    FAILS,
    CONNECTS_LATE,
    NEVER_CONNECTS;

    /** Whether the device is offline when the rollout starts. */
    boolean startsOffline() {
      return this == CONNECTS_LATE || this == NEVER_CONNECTS;
    }
  }

  Behaviour of(String deviceId) {
    int bucket = Math.floorMod(mix(deviceId.hashCode()), BUCKETS);
    double edge = neverConnects * BUCKETS;
    if (bucket < edge) {
      return Behaviour.NEVER_CONNECTS;
    }
    edge += connectsLate * BUCKETS;
    if (bucket < edge) {
      return Behaviour.CONNECTS_LATE;
    }
    edge += slow * BUCKETS;
    if (bucket < edge) {
      return Behaviour.SLOW;
    }
    edge += fails * BUCKETS;
    if (bucket < edge) {
      return Behaviour.FAILS;
    }
    return Behaviour.SUCCEEDS_AT_ONCE;
  }

  /**
   * How long a slow device takes from offer to its final report: between one and five simulated
   * minutes, spread evenly by another hash of its id.
   */
  static Duration slowness(String deviceId, Duration simulatedMinute) {
    long spread = Math.floorMod(mix(~deviceId.hashCode()), 4 * simulatedMinute.toMillis() + 1);
    return simulatedMinute.plusMillis(spread);
  }

  /** How many of the devices behave each way (every behaviour present, zero when none). */
  Map<Behaviour, Integer> count(Collection<String> deviceIds) {
    Map<Behaviour, Integer> counts = new EnumMap<>(Behaviour.class);
    for (Behaviour behaviour : Behaviour.values()) {
      counts.put(behaviour, 0);
    }
    for (String deviceId : deviceIds) {
      counts.merge(of(deviceId), 1, Integer::sum);
    }
    return counts;
  }

  /**
   * MurmurHash3's finaliser: ids that differ in one digit (a seeded fleet's are numbered) land in
   * unrelated buckets.
   */
  private static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
