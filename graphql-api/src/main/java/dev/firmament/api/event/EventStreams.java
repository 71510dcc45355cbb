package dev.firmament.api.event;

import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.device.DeviceRepository;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.live.ChangeEvent;
import dev.firmament.api.live.ChangeFilter;
import dev.firmament.api.live.LiveController;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Optional;
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
 *
 * <p>A customer's token sees only what is meant for it: the events of the devices mapped to the
 * customer that they published with scope {@code product}, never the cloud's or the organization's
 * private ones; a stream keeps the devices the customer had when it opened.
 */
@Service
public class EventStreams {
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.:/-]{1,64}");

  private final LiveController live;
  private final DeviceRepository devices;

  public EventStreams(LiveController live, DeviceRepository devices) {
    this.live = live;
    this.devices = devices;
  }

  /** Which events a stream or a subscription keeps; every field left out keeps all. */
  public record StreamFilter(String namePrefix, String deviceId, String productId, String source) {}

  /** The filter checked against the organization: NOT_FOUND and INVALID_ARGUMENT as it says. */
  public record Checked(
      UUID organizationId,
      String namePrefix,
      String deviceId,
      UUID productId,
      String source,
      Set<String> onlyDevices,
      boolean productScopeOnly) {

    /** A filter for the organization's members: every device, both scopes. */
    public Checked(
        UUID organizationId, String namePrefix, String deviceId, UUID productId, String source) {
      this(organizationId, namePrefix, deviceId, productId, source, null, false);
    }
  }

  public Checked check(UUID organizationId, StreamFilter filter) {
    StreamFilter f = filter == null ? new StreamFilter(null, null, null, null) : filter;
    String prefix = f.namePrefix() == null || f.namePrefix().isEmpty() ? null : f.namePrefix();
    if (prefix != null && !PREFIX.matcher(prefix).matches()) {
      throw new ApiException(
          ErrorCode.INVALID_ARGUMENT,
          "namePrefix must be 1 to 64 characters of [A-Za-z0-9_.:/-], was " + prefix);
    }
    String source = f.source() == null ? null : f.source().toUpperCase(Locale.ROOT);
    if (source != null
        && !source.equals("DEVICE")
        && !source.equals("CLOUD")
        && !source.equals("CODE")) {
      throw new ApiException(ErrorCode.INVALID_ARGUMENT, "source must be DEVICE, CLOUD or CODE");
    }
    String deviceId =
        f.deviceId() == null ? null : live.existingDevice(organizationId, f.deviceId());
    UUID productId =
        f.productId() == null ? null : live.existingProduct(organizationId, f.productId());
    Optional<Caller> caller = Callers.find();
    if (caller.isPresent() && caller.get().isCustomer()) {
      if ("CLOUD".equals(source) || "CODE".equals(source)) {
        throw new ApiException(
            ErrorCode.FORBIDDEN, "a customer reads its devices' events, not the cloud's");
      }
      return new Checked(
          organizationId,
          prefix,
          deviceId,
          productId,
          "DEVICE",
          devices.customerDeviceIds(organizationId, caller.get().customerId()),
          true);
    }
    return new Checked(organizationId, prefix, deviceId, productId, source);
  }

  /** The filter's events after {@code after} (a cursor), or from now on without it. */
  public Flux<Event> stream(Checked filter, String after) {
    ChangeFilter changes = changeFilter(filter);
    return live.stream(changes, after)
        .filter(change -> deliverable(change, filter.source()))
        .filter(change -> audience(change, filter))
        .map(CloudEvents::of);
  }

  /**
   * The change as an event of the filter, when the filter keeps it, whatever its time-to-live: what
   * a webhook hears, which is handed every event it was made for, late or not.
   */
  public static Optional<Event> kept(ChangeEvent change, Checked filter) {
    ChangeFilter changes = changeFilter(filter);
    ChangeEvent.EventPayload event = change.event();
    boolean source =
        event == null
            ? filter.source() == null || "CLOUD".equals(filter.source())
            : filter.source() == null || event.source().equalsIgnoreCase(filter.source());
    return changes.test(change) && source && audience(change, filter)
        ? Optional.of(CloudEvents.of(change))
        : Optional.empty();
  }

  /** The change feed's filter for a stream's. */
  private static ChangeFilter changeFilter(Checked filter) {
    return new ChangeFilter(
        filter.organizationId(),
        kinds(filter),
        null,
        filter.deviceId(),
        filter.productId(),
        null,
        Set.of(),
        filter.namePrefix());
  }

  /**
   * The kinds of change a filter keeps: stored events only for a source of DEVICE or CODE (the
   * cloud's other changes are CLOUD's), else those its name prefix keeps.
   */
  private static Set<ChangeEvent.Kind> kinds(Checked filter) {
    return "DEVICE".equals(filter.source()) || "CODE".equals(filter.source())
        ? Set.of(ChangeEvent.Kind.EVENT)
        : CloudEvents.kindsFor(filter.namePrefix());
  }

  /** Whether the filter's audience may see the change (a customer: its devices' product events). */
  static boolean audience(ChangeEvent change, Checked filter) {
    if (filter.onlyDevices() != null && !filter.onlyDevices().contains(change.deviceId())) {
      return false;
    }
    return !filter.productScopeOnly()
        || (change.event() != null && "product".equalsIgnoreCase(change.event().scope()));
  }

  private static boolean deliverable(ChangeEvent change, String source) {
    ChangeEvent.EventPayload event = change.event();
    if (event == null) {
      return source == null || "CLOUD".equals(source);
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
