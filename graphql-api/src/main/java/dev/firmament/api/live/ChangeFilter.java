package dev.firmament.api.live;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.noCondition;

import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.jooq.Condition;

/**
 * Which change events one subscriber hears: always one organization's, of the given kinds, and
 * optionally only one rollout's, device's, product's or stage's, or only some states. The same
 * filter reads the stored feed when a subscriber resumes ({@link #condition()}) and the live feed
 * afterwards ({@link #test}), so both select the same events. {@code eventNamePrefix} keeps only
 * the {@code EVENT} rows whose name starts with it (the other kinds are chosen by {@code kinds}).
 */
public record ChangeFilter(
    UUID organizationId,
    Set<ChangeEvent.Kind> kinds,
    UUID jobId,
    String deviceId,
    UUID productId,
    Integer stage,
    Set<String> states,
    String eventNamePrefix)
    implements Predicate<ChangeEvent> {

  public ChangeFilter {
    kinds = Set.copyOf(kinds);
    states = states == null ? Set.of() : Set.copyOf(states);
    eventNamePrefix = eventNamePrefix == null || eventNamePrefix.isEmpty() ? null : eventNamePrefix;
  }

  /** A filter without an event name prefix. */
  public ChangeFilter(
      UUID organizationId,
      Set<ChangeEvent.Kind> kinds,
      UUID jobId,
      String deviceId,
      UUID productId,
      Integer stage,
      Set<String> states) {
    this(organizationId, kinds, jobId, deviceId, productId, stage, states, null);
  }

  @Override
  public boolean test(ChangeEvent e) {
    return e.organizationId().equals(organizationId)
        && kinds.contains(e.kind())
        && (jobId == null || jobId.equals(e.jobId()))
        && (deviceId == null || deviceId.equals(e.deviceId()))
        && (productId == null || productId.equals(e.productId()))
        && (stage == null || stage.equals(e.stage()))
        && (states.isEmpty() || states.contains(e.state()))
        && (eventNamePrefix == null
            || e.event() == null
            || e.event().name().startsWith(eventNamePrefix));
  }

  /** The same selection as SQL over {@code change_events}. */
  Condition condition() {
    Condition c =
        field("organization_id", UUID.class)
            .eq(organizationId)
            .and(field("kind", String.class).in(kinds.stream().map(Enum::name).toList()));
    c = c.and(jobId == null ? noCondition() : field("job_id", UUID.class).eq(jobId));
    c = c.and(deviceId == null ? noCondition() : field("device_id", String.class).eq(deviceId));
    c = c.and(productId == null ? noCondition() : field("product_id", UUID.class).eq(productId));
    c = c.and(stage == null ? noCondition() : field("stage", Integer.class).eq(stage));
    c = c.and(states.isEmpty() ? noCondition() : field("state", String.class).in(states));
    return c.and(
        eventNamePrefix == null
            ? noCondition()
            : field("event_name", String.class)
                .isNull()
                .or(field("event_name", String.class).startsWith(eventNamePrefix)));
  }
}
