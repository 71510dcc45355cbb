package dev.firmament.orchestrator.rollout;

/**
 * Which targets a stage takes. Every kind takes only targets no earlier stage took, ordered by a
 * stable hash of the device id, so that running the same plan again picks the same devices.
 *
 * @param kind GROUP (the canary: members of a named group), PERCENT or COUNT of the remaining
 *     targets
 * @param group the group's name (GROUP only)
 * @param amount the percentage (1 to 100) or the count (1 or more); unused for GROUP
 */
public record StageSelection(Kind kind, String group, int amount) {
  public enum Kind {
    GROUP,
    PERCENT,
    COUNT
  }

  public StageSelection {
    if (kind == null) {
      throw new IllegalArgumentException("selection kind is required");
    }
    switch (kind) {
      case GROUP -> {
        if (group == null || group.isBlank()) {
          throw new IllegalArgumentException("a GROUP selection names its group");
        }
      }
      case PERCENT -> {
        if (amount < 1 || amount > 100) {
          throw new IllegalArgumentException("percent must be between 1 and 100, got " + amount);
        }
      }
      case COUNT -> {
        if (amount < 1) {
          throw new IllegalArgumentException("count must be at least 1, got " + amount);
        }
      }
    }
  }

  public static StageSelection group(String name) {
    return new StageSelection(Kind.GROUP, name, 0);
  }

  public static StageSelection percent(int percent) {
    return new StageSelection(Kind.PERCENT, null, percent);
  }

  public static StageSelection count(int count) {
    return new StageSelection(Kind.COUNT, null, count);
  }

  /** Whether this selection takes every remaining target, which makes its stage absorb joiners. */
  public boolean takesAllRemaining() {
    return kind == Kind.PERCENT && amount == 100;
  }
}
