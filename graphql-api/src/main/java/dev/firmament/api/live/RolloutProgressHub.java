package dev.firmament.api.live;

import dev.firmament.api.rollout.JobProgress;
import dev.firmament.api.rollout.OtaJob;
import dev.firmament.api.rollout.OtaStage;
import dev.firmament.api.rollout.RolloutSnapshots;
import dev.firmament.api.rollout.RolloutSnapshots.Snapshot;
import dev.firmament.api.rollout.StageProgress;
import dev.firmament.orchestrator.rollout.RolloutStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Rollout progress for live subscribers, computed once per rollout and interval whatever the number
 * of subscribers: the rollout's state at once, then again after the change feed carried one of its
 * result transitions or status changes, at most once per interval, until its final status. A
 * subscriber that joins late gets the latest state at once.
 */
public class RolloutProgressHub {
  private final ChangeFeed feed;
  private final RolloutSnapshots snapshots;
  private final Clock clock;
  private final int buffer;
  private final Map<Key, Flux<ProgressEvent>> streams = new ConcurrentHashMap<>();

  public RolloutProgressHub(ChangeFeed feed, RolloutSnapshots snapshots, Clock clock, int buffer) {
    this.feed = feed;
    this.snapshots = snapshots;
    this.clock = clock;
    this.buffer = buffer;
  }

  /** What a progress subscriber receives. */
  public record ProgressEvent(
      OtaJob job,
      String status,
      JobProgress progress,
      List<StageProgress> progressByStage,
      List<OtaStage> stages,
      OffsetDateTime estimatedFinishAt,
      Double finishedPerSecond,
      OffsetDateTime at) {

    boolean terminal() {
      for (RolloutStatus s : RolloutStatus.values()) {
        if (s.name().equals(status)) {
          return s.isFinal();
        }
      }
      return false;
    }

    /** This event with the pace since the one before it: devices finished per second. */
    ProgressEvent withRate(ProgressEvent previous) {
      double seconds = Duration.between(previous.at, at).toMillis() / 1000.0;
      if (seconds <= 0) {
        return this;
      }
      double rate = Math.max(0, finished(progress) - finished(previous.progress)) / seconds;
      return new ProgressEvent(
          job, status, progress, progressByStage, stages, estimatedFinishAt, rate, at);
    }

    private static int finished(JobProgress p) {
      return p.succeeded() + p.failed() + p.skipped() + p.timedOut();
    }
  }

  private record Key(UUID organizationId, UUID jobId, Duration interval) {}

  /**
   * Whether the organization's rollout has a progress stream at this interval now, which it has
   * only when it exists.
   */
  public boolean watching(UUID organizationId, UUID jobId, Duration interval) {
    return streams.containsKey(new Key(organizationId, jobId, interval));
  }

  /**
   * The rollout's progress stream; empty when the organization has no such rollout (the caller
   * checks that first, to answer NOT_FOUND).
   */
  public Flux<ProgressEvent> progress(UUID organizationId, UUID jobId, Duration interval) {
    Key key = new Key(organizationId, jobId, interval);
    // Each subscriber is served on a worker of its own: the shared stream emits on the thread that
    // computed the snapshot, which would otherwise execute and write every subscriber's result in
    // turn.
    return streams.computeIfAbsent(key, this::stream).publishOn(Schedulers.boundedElastic(), 4);
  }

  private Flux<ProgressEvent> stream(Key key) {
    Flux<Object> changes =
        feed.live(buffer)
            .filter(
                e ->
                    e.kind().isRollout()
                        && key.jobId().equals(e.jobId())
                        && key.organizationId().equals(e.organizationId()))
            .map(e -> (Object) e);
    // A tick only asks for a fresh snapshot: while one is still being read (a loaded database),
    // the ticks in between collapse into the latest instead of overflowing the sampler, which
    // ended the subscriber's stream with an error.
    Flux<ProgressEvent> events =
        Flux.concat(
                Mono.just((Object) "start"), changes.sample(key.interval()).onBackpressureLatest())
            .concatMap(
                ignored ->
                    Mono.fromCallable(() -> snapshot(key)).subscribeOn(Schedulers.boundedElastic()))
            .scan((previous, next) -> next.withRate(previous))
            .takeUntil(ProgressEvent::terminal);
    return events.doFinally(signal -> streams.remove(key)).replay(1).refCount();
  }

  private ProgressEvent snapshot(Key key) {
    OffsetDateTime now = OffsetDateTime.now(clock);
    Snapshot s = snapshots.snapshot(key.organizationId(), key.jobId(), now);
    if (s == null) {
      throw new IllegalStateException("rollout " + key.jobId() + " is gone");
    }
    return new ProgressEvent(
        s.job(),
        s.job().status(),
        s.progress(),
        s.progressByStage(),
        s.stages(),
        s.estimatedFinishAt(),
        null,
        now);
  }
}
