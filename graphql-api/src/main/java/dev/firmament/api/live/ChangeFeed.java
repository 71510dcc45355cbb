package dev.firmament.api.live;

import dev.firmament.api.ListeningThread;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The live side of the change feed: one connection that LISTENs on {@code firmament_changes}, reads
 * the settled rows after its cursor whenever a notification arrives (and every poll interval, for
 * rows a still-running older transaction held back), and hands them, in cursor order, to every
 * subscriber of this process. The rows come from the database, so events committed by any process
 * arrive; a lost connection is opened again and reading goes on from the cursor, losing nothing.
 *
 * <p>Subscribers get their own bounded buffer ({@link #live(int)}): one that falls further behind
 * than it fails with a message telling it to resume, instead of holding memory or slowing others.
 *
 * <p>When the process shuts down, the feed ends: every subscriber's stream completes, so that the
 * transports end their responses and the web server's graceful shutdown, which waits for the
 * requests in progress, is not held by them (see {@link #end()}).
 */
public class ChangeFeed
    implements SmartLifecycle, ApplicationListener<ContextClosedEvent>, ApplicationContextAware {
  private static final Logger log = LoggerFactory.getLogger(ChangeFeed.class);
  private static final int BATCH = 1000;
  private static final Duration HELD_BACK_CHECK = Duration.ofSeconds(10);

  private final DataSource dataSource;
  private final Duration pollInterval;
  private final Sinks.Many<ChangeEvent> sink = Sinks.many().multicast().directBestEffort();
  private final AtomicReference<ChangeCursor> position = new AtomicReference<>();
  private final ListeningThread listener;
  private long lastHeldBackCheck = System.nanoTime();
  private ApplicationContext context;

  public ChangeFeed(DataSource dataSource, Duration pollInterval) {
    this.dataSource = dataSource;
    this.pollInterval = pollInterval;
    // After a lost connection it reads on from its position: nothing to forget.
    this.listener =
        new ListeningThread(
            "change-feed", dataSource, "firmament_changes", this::listen, () -> {}, log);
  }

  /**
   * Events from now on. Subscribe first, then read {@link #position()}: every event after that
   * position reaches the subscription, and none at or before it does not also lie in the store.
   *
   * @param buffer events held for a subscriber that has not asked for them yet; beyond that it
   *     fails with {@link SubscriberTooSlowException}
   */
  public Flux<ChangeEvent> live(int buffer) {
    return sink.asFlux()
        .onBackpressureBuffer(
            buffer, dropped -> {}, reactor.core.publisher.BufferOverflowStrategy.ERROR)
        // Each subscriber is served on a thread of its own choosing, never the feed's: a slow
        // transport holds its subscriber, not the others.
        .publishOn(Schedulers.boundedElastic(), 64)
        .onErrorMap(
            reactor.core.Exceptions::isOverflow, e -> new SubscriberTooSlowException(buffer));
  }

  /** The cursor of the last event handed out; events after it are still to come. */
  public ChangeCursor position() {
    ChangeCursor at = position.get();
    if (at == null) {
      throw new IllegalStateException("the change feed has not started");
    }
    return at;
  }

  /**
   * Starts reading: from the last settled row on the first start, from where it stopped after a
   * stop (a paused context, a restart of the lifecycle), so subscribers that stayed miss nothing.
   */
  @Override
  public synchronized void start() {
    if (listener.isRunning()) {
      return;
    }
    if (position.get() == null) {
      try (Connection connection = dataSource.getConnection()) {
        position.set(ChangeEventRepository.head(on(connection)));
      } catch (SQLException e) {
        // The database is not there yet: the feed starts from the first row it will find.
        log.warn("change feed starts without the database: {}", e.getMessage());
        position.set(ChangeCursor.START);
      }
    }
    listener.start();
  }

  @Override
  public synchronized void stop() {
    listener.stop();
    // The sink stays open: subscribers wait through a stop and a start (a paused context). The
    // shutdown ends them before anything stops (end()).
  }

  /**
   * Ends the feed for good: stops reading, then completes every subscriber's stream, and the stream
   * of any that subscribes later, at once. A subscriber resumes elsewhere from its last cursor.
   *
   * <p>The process is shutting down. An open subscription is a request in progress for the web
   * server (a Server-Sent Events response is an asynchronous request until it completes), and its
   * graceful shutdown waits for those up to its timeout (30 s by default) before it cuts them off;
   * nothing else would end them: the feed never completes on its own, and a client that went away
   * is found only when a write to it (a keep-alive, every 15 s) fails. Ended here, each transport
   * sends its protocol's end (SSE's {@code complete} event, graphql-ws's {@code complete} message)
   * and the response completes before the web server starts waiting.
   */
  public synchronized void end() {
    listener.stop();
    // Should the listening thread still be handing out a row after the stop gave up waiting for
    // it, the completion waits for that emission instead of failing beside it.
    sink.emitComplete(Sinks.EmitFailureHandler.busyLooping(Duration.ofSeconds(1)));
  }

  @Override
  public void setApplicationContext(ApplicationContext context) {
    this.context = context;
  }

  /**
   * The context is closing: published before any lifecycle stops, so before the web server's
   * graceful shutdown starts waiting. A child context's close reaches its parent's listeners too;
   * only this feed's own context's close ends it.
   */
  @Override
  public void onApplicationEvent(ContextClosedEvent event) {
    if (event.getApplicationContext() == context) {
      end();
    }
  }

  @Override
  public boolean isRunning() {
    return listener.isRunning();
  }

  /** Reads what was committed, then waits for a notification or the poll interval. */
  private void listen(Connection connection, PGConnection pg, BooleanSupplier running)
      throws SQLException {
    DSLContext listening = on(connection);
    log.debug("change feed listening from {}", position.get());
    while (running.getAsBoolean()) {
      if (readAll(listening) < BATCH) {
        warnIfHeldBack(listening);
        pg.getNotifications((int) pollInterval.toMillis());
      }
    }
  }

  /**
   * Committed rows wait while an older transaction runs; when that lasts, the log says which
   * session holds the feed back (an idle-in-transaction session is the usual culprit), once per
   * interval.
   */
  private void warnIfHeldBack(DSLContext dsl) {
    long now = System.nanoTime();
    if (now - lastHeldBackCheck < HELD_BACK_CHECK.toNanos()) {
      return;
    }
    lastHeldBackCheck = now;
    var oldest =
        dsl.resultQuery(
                "select a.pid, a.state, a.xact_start, left(a.query, 200) as query"
                    + " from pg_stat_activity a"
                    + " where a.backend_xid is not null and a.xact_start < now() - ? * interval '1"
                    + " millisecond' and exists (select 1 from change_events"
                    + " where tx >= pg_snapshot_xmin(pg_current_snapshot())::text::bigint)"
                    + " order by a.xact_start limit 1",
                HELD_BACK_CHECK.toMillis())
            .fetchOptional();
    oldest.ifPresent(
        r ->
            log.warn(
                "change feed held back by an open transaction pid={} state={} since={} query={}",
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3)));
  }

  /** jOOQ on the feed's own connection (the dialect read from it). */
  private static DSLContext on(Connection connection) {
    return DSL.using(connection);
  }

  /** Hands out every settled row after the cursor, one batch; returns how many. */
  private int readAll(DSLContext dsl) {
    List<ChangeEvent> batch = ChangeEventRepository.after(dsl, position.get(), BATCH);
    for (ChangeEvent event : batch) {
      // The position moves before the event is emitted. A subscriber attaches, then reads the
      // position: if it read it before this move, it is attached in time to get the event live;
      // if after, the event is at or before the position it read, so its replay has it. (Emitted
      // first, a subscriber attaching between the emit and the move got it neither way.)
      position.set(event.cursor());
      sink.emitNext(event, Sinks.EmitFailureHandler.busyLooping(Duration.ofSeconds(1)));
    }
    return batch.size();
  }

  /** A subscriber fell further behind the feed than its buffer holds. */
  public static final class SubscriberTooSlowException extends ApiException {
    SubscriberTooSlowException(int buffer) {
      super(
          ErrorCode.SUBSCRIBER_TOO_SLOW,
          "the subscriber fell more than "
              + buffer
              + " events behind; subscribe again with after: the cursor of the last event received");
    }
  }
}
