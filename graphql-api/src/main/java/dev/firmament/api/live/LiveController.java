package dev.firmament.api.live;

import dev.firmament.api.Ids;
import dev.firmament.api.device.DeviceRepository;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.live.ChangeEvent.Kind;
import dev.firmament.api.product.ProductRepository;
import dev.firmament.api.rollout.RolloutRepository;
import dev.firmament.api.tenant.TenantResolver;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.SubscriptionMapping;
import org.springframework.stereotype.Controller;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.util.concurrent.Queues;

/**
 * The subscription root {@code Live}: rollout progress, OTA result transitions and device changes,
 * from the change feed, so that what any process commits reaches every subscriber. The transitions
 * and device changes resume: a subscriber that passes the cursor of the last event it received gets
 * what it missed from the stored feed, then the live events, none twice and none skipped.
 */
@Controller
public class LiveController {
  static final int REPLAY_PAGE = 1000;

  private final ChangeFeed feed;
  private final ChangeEventRepository events;
  private final RolloutProgressHub progress;
  private final TenantResolver tenants;
  private final RolloutRepository jobs;
  private final DeviceRepository devices;
  private final ProductRepository products;
  private final int buffer;

  public LiveController(
      ChangeFeed feed,
      ChangeEventRepository events,
      RolloutProgressHub progress,
      TenantResolver tenants,
      RolloutRepository jobs,
      DeviceRepository devices,
      ProductRepository products,
      LiveProperties properties) {
    this.feed = feed;
    this.events = events;
    this.progress = progress;
    this.tenants = tenants;
    this.jobs = jobs;
    this.devices = devices;
    this.products = products;
    this.buffer = properties.subscriberBuffer();
  }

  public record OTAResultChangeFilter(
      String jobId, String deviceId, String productId, Integer stage, List<String> states) {}

  public record DeviceChangeFilter(String deviceId, String productId, List<String> kinds) {}

  /** One OTA result transition ({@code OTAResultChange}). */
  public record OtaResultChange(
      String cursor,
      UUID jobId,
      String deviceId,
      UUID productId,
      Integer stage,
      String phase,
      String state,
      int attempt,
      long bytesSent,
      String errorCode,
      OffsetDateTime at) {}

  /** A device going online or offline or changing version ({@code DeviceChange}). */
  public record DeviceChange(
      String cursor,
      String kind,
      String deviceId,
      UUID productId,
      String firmwareVersion,
      String previousVersion,
      OffsetDateTime at) {}

  @SubscriptionMapping
  public Flux<RolloutProgressHub.ProgressEvent> rolloutProgress(
      @Argument String id, @Argument Integer intervalMs) {
    UUID organizationId = tenants.organizationId();
    int interval = intervalMs == null ? 500 : intervalMs;
    if (interval < 100 || interval > 60_000) {
      throw new ApiException(
          ErrorCode.INVALID_ARGUMENT, "intervalMs must be between 100 and 60000");
    }
    Duration every = Duration.ofMillis(interval);
    // A rollout that others of the organization already watch exists: no query for each of them.
    UUID jobId =
        Ids.parse(id)
            .filter(watched -> progress.watching(organizationId, watched, every))
            .orElseGet(() -> existingJob(organizationId, id));
    return progress.progress(organizationId, jobId, every);
  }

  @SubscriptionMapping
  public Flux<OtaResultChange> otaResultChanges(
      @Argument OTAResultChangeFilter filter, @Argument String after) {
    UUID organizationId = tenants.organizationId();
    OTAResultChangeFilter f =
        filter == null ? new OTAResultChangeFilter(null, null, null, null, null) : filter;
    Set<String> states = new LinkedHashSet<>();
    for (String state : f.states() == null ? List.<String>of() : f.states()) {
      if (DeviceUpdateState.parse(state) == null) {
        throw new ApiException(
            ErrorCode.INVALID_ARGUMENT, "states: " + state + " is not an OTA result state");
      }
      states.add(state);
    }
    ChangeFilter changes =
        new ChangeFilter(
            organizationId,
            Set.of(Kind.OTA_RESULT),
            f.jobId() == null ? null : existingJob(organizationId, f.jobId()),
            f.deviceId() == null ? null : existingDevice(organizationId, f.deviceId()),
            f.productId() == null ? null : existingProduct(organizationId, f.productId()),
            f.stage(),
            states);
    return stream(changes, after)
        .map(
            e ->
                new OtaResultChange(
                    e.cursor().toString(),
                    e.jobId(),
                    e.deviceId(),
                    e.productId(),
                    e.stage(),
                    e.phase(),
                    e.state(),
                    e.attempt() == null ? 1 : e.attempt(),
                    e.bytesSent() == null ? 0 : e.bytesSent(),
                    e.errorCode(),
                    e.recordedAt()));
  }

  @SubscriptionMapping
  public Flux<DeviceChange> deviceChanges(
      @Argument DeviceChangeFilter filter, @Argument String after) {
    UUID organizationId = tenants.organizationId();
    DeviceChangeFilter f = filter == null ? new DeviceChangeFilter(null, null, null) : filter;
    Set<Kind> kinds = EnumSet.noneOf(Kind.class);
    for (String kind : f.kinds() == null ? List.of("ONLINE", "OFFLINE", "VERSION") : f.kinds()) {
      kinds.add(Kind.valueOf("DEVICE_" + kind));
    }
    if (kinds.isEmpty()) {
      throw new ApiException(ErrorCode.INVALID_ARGUMENT, "kinds must name at least one kind");
    }
    ChangeFilter changes =
        new ChangeFilter(
            organizationId,
            kinds,
            null,
            f.deviceId() == null ? null : existingDevice(organizationId, f.deviceId()),
            f.productId() == null ? null : existingProduct(organizationId, f.productId()),
            null,
            Set.of());
    return stream(changes, after)
        .map(
            e ->
                new DeviceChange(
                    e.cursor().toString(),
                    e.kind().name().substring("DEVICE_".length()),
                    e.deviceId(),
                    e.productId(),
                    e.state(),
                    e.kind() == Kind.DEVICE_VERSION ? e.previous() : null,
                    e.recordedAt()));
  }

  /**
   * The filter's events after {@code after} (or from now on without it): the stored ones up to
   * where the live feed stood when this subscribed, then the live ones after that.
   */
  public Flux<ChangeEvent> stream(ChangeFilter filter, String after) {
    ChangeCursor from = after == null ? null : ChangeCursor.parse(after);
    if (from != null) {
      events
          .horizon()
          .filter(horizon -> from.compareTo(horizon) < 0)
          .ifPresent(
              horizon -> {
                throw new ApiException(
                    ErrorCode.CURSOR_EXPIRED,
                    "events before "
                        + horizon
                        + " were deleted (retention); subscribe without after to start from now");
              });
    }
    return Flux.defer(
        () -> {
          // Live first, held in a bounded queue, then the position: nothing after it is missed.
          Sinks.Many<ChangeEvent> held =
              Sinks.many().unicast().onBackpressureBuffer(Queues.<ChangeEvent>get(buffer).get());
          Disposable live =
              feed.live(buffer)
                  .filter(filter)
                  .subscribe(
                      e -> {
                        if (held.tryEmitNext(e).isFailure()) {
                          held.tryEmitError(new ChangeFeed.SubscriberTooSlowException(buffer));
                        }
                      },
                      held::tryEmitError,
                      held::tryEmitComplete);
          ChangeCursor upTo = feed.position();
          Flux<ChangeEvent> missed = from == null ? Flux.empty() : replay(filter, from, upTo);
          return Flux.concat(missed, held.asFlux().filter(e -> e.cursor().isAfter(upTo)))
              .doFinally(signal -> live.dispose());
        });
  }

  private Flux<ChangeEvent> replay(ChangeFilter filter, ChangeCursor from, ChangeCursor upTo) {
    return Mono.fromCallable(() -> events.replay(filter, from, upTo, REPLAY_PAGE))
        .subscribeOn(Schedulers.boundedElastic())
        .flatMapMany(
            page ->
                page.size() < REPLAY_PAGE
                    ? Flux.fromIterable(page)
                    : Flux.concat(
                        Flux.fromIterable(page),
                        Flux.defer(() -> replay(filter, page.getLast().cursor(), upTo))));
  }

  private UUID existingJob(UUID organizationId, String id) {
    return Ids.parse(id)
        .filter(jobId -> jobs.findById(organizationId, jobId).isPresent())
        .orElseThrow(() -> new ApiException(ErrorCode.NOT_FOUND, "no rollout " + id));
  }

  /** The device's id, when the organization has it; NOT_FOUND otherwise. */
  public String existingDevice(UUID organizationId, String id) {
    if (devices.findById(organizationId, id).isEmpty()) {
      throw new ApiException(ErrorCode.NOT_FOUND, "no device " + id);
    }
    return id;
  }

  /** The product's id, when the organization has it; NOT_FOUND otherwise. */
  public UUID existingProduct(UUID organizationId, String id) {
    return Ids.parse(id)
        .filter(productId -> products.findById(organizationId, productId).isPresent())
        .orElseThrow(() -> new ApiException(ErrorCode.NOT_FOUND, "no product " + id));
  }
}
