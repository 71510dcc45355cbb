package dev.firmament.api.event;

import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.live.ChangeEvent;
import dev.firmament.api.live.ChangeFilter;
import dev.firmament.api.live.LiveController;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Flux;

/**
 * The event stream: the organization's events, devices' and the cloud's, in commit order, as the
 * change feed carries them, filtered by name prefix, device, product and source. A subscriber that
 * passes the cursor of the last event it received resumes without a gap; a stored event whose
 * time-to-live passed before it could be handed out is skipped (a backfill never is: its time is
 * the device's, from before it could send it).
 */
@Service
public class EventStreams {
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.:/-]{1,64}");

  private final LiveController live;

  public EventStreams(LiveController live) {
    this.live = live;
  }

  /** Which events a stream or a subscription keeps; every field left out keeps all. */
  public record StreamFilter(String namePrefix, String deviceId, String productId, String source) {}

  /** The filter checked against the organization: NOT_FOUND and INVALID_ARGUMENT as it says. */
  public record Checked(
      UUID organizationId, String namePrefix, String deviceId, UUID productId, String source) {}

  public Checked check(UUID organizationId, StreamFilter filter) {
    StreamFilter f = filter == null ? new StreamFilter(null, null, null, null) : filter;
    String prefix = f.namePrefix() == null || f.namePrefix().isEmpty() ? null : f.namePrefix();
    if (prefix != null && !PREFIX.matcher(prefix).matches()) {
      throw new ApiException(
          ErrorCode.INVALID_ARGUMENT,
          "namePrefix must be 1 to 64 characters of [A-Za-z0-9_.:/-], was " + prefix);
    }
    String source = f.source() == null ? null : f.source().toUpperCase(Locale.ROOT);
    if (source != null && !source.equals("DEVICE") && !source.equals("CLOUD")) {
      throw new ApiException(ErrorCode.INVALID_ARGUMENT, "source must be DEVICE or CLOUD");
    }
    return new Checked(
        organizationId,
        prefix,
        f.deviceId() == null ? null : live.existingDevice(organizationId, f.deviceId()),
        f.productId() == null ? null : live.existingProduct(organizationId, f.productId()),
        source);
  }

  /** The filter's events after {@code after} (a cursor), or from now on without it. */
  public Flux<Event> stream(Checked filter, String after) {
    Set<ChangeEvent.Kind> kinds =
        "DEVICE".equals(filter.source())
            ? Set.of(ChangeEvent.Kind.EVENT)
            : CloudEvents.kindsFor(filter.namePrefix());
    ChangeFilter changes =
        new ChangeFilter(
            filter.organizationId(),
            kinds,
            null,
            filter.deviceId(),
            filter.productId(),
            null,
            Set.of(),
            filter.namePrefix());
    return live.stream(changes, after)
        .filter(change -> deliverable(change, filter.source()))
        .map(CloudEvents::of);
  }

  private static boolean deliverable(ChangeEvent change, String source) {
    ChangeEvent.EventPayload event = change.event();
    if (event == null) {
      return !"DEVICE".equals(source);
    }
    if (source != null && !event.source().equalsIgnoreCase(source)) {
      return false;
    }
    if (event.backfilled()) {
      // Its time is the device's, from before it could send it: it is handed out as it arrives.
      return true;
    }
    OffsetDateTime expires = change.recordedAt().plusSeconds(event.ttl());
    return !expires.isBefore(OffsetDateTime.now(ZoneOffset.UTC));
  }
}
