package dev.firmament.workers.delivery;

import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.workers.rollout.ResultTransitions;
import dev.firmament.workers.rollout.ResultTransitions.Attempt;
import dev.firmament.workers.rollout.RollbackRecords;
import io.temporal.client.ActivityCanceledException;
import io.temporal.client.ActivityCompletionClient;
import io.temporal.client.ActivityCompletionException;
import io.temporal.client.ActivityNotExistsException;
import io.temporal.client.WorkflowClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Heartbeats the delivery activities of the updates this worker process is delivering, so that
 * Temporal knows the process that pushes their bytes is alive. A delivery completes when its device
 * reports, so its activity stays open long after the activity method returned; when the process
 * dies its heartbeats stop, the stage sees the delivery's heartbeat time out and takes the attempt
 * to another worker, which offers the same update again (the device resumes from its acknowledged
 * offset, or reports its end again).
 *
 * <p>Each round asks the gateway which updates it delivers and PostgreSQL which activity waits for
 * each now: a later stage run that took an attempt over stored its own activity's token, and that
 * is the one kept alive, by the process that actually delivers. An activity Temporal no longer
 * knows (completed, timed out) is simply not found again once its result ended.
 */
@Component
public class DeliveryHeartbeats implements SmartLifecycle, DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(DeliveryHeartbeats.class);

  private final DeviceGateway gateway;
  private final ResultTransitions results;
  private final RollbackRecords rollbacks;
  private final ActivityCompletionClient client;
  private final Duration interval;
  private ScheduledExecutorService beater;

  public DeliveryHeartbeats(
      DeviceGateway gateway,
      ResultTransitions results,
      RollbackRecords rollbacks,
      WorkflowClient workflowClient,
      @Value("${firmament.delivery.heartbeat-interval:20s}") Duration interval) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("firmament.delivery.heartbeat-interval must be positive");
    }
    this.gateway = gateway;
    this.results = results;
    this.rollbacks = rollbacks;
    this.client = workflowClient.newActivityCompletionClient();
    this.interval = interval;
  }

  /** One round: heartbeats the activity of every update the gateway delivers. Returns how many. */
  public int beat() {
    List<Attempt> updates = new ArrayList<>();
    List<Attempt> rollingBack = new ArrayList<>();
    for (Map.Entry<String, String> open : gateway.openUpdates().entrySet()) {
      String deviceId = open.getKey();
      String[] rollback = RollbackDelivery.parseKey(open.getValue());
      if (rollback != null) {
        if (rollback[1].equals(deviceId)) {
          rollingBack.add(new Attempt(UUID.fromString(rollback[0]), deviceId, null));
        }
        continue;
      }
      UpdateKeys.parse(open.getValue())
          .filter(key -> key.deviceId().equals(deviceId))
          .ifPresent(key -> updates.add(new Attempt(key.jobId(), deviceId, key.attempt())));
    }
    // The devices of one slice share their activity's token: it is heartbeated once.
    Set<ByteBuffer> tokens = new LinkedHashSet<>();
    results.openTaskTokens(updates).forEach(token -> tokens.add(ByteBuffer.wrap(token)));
    rollbacks.openTaskTokens(rollingBack).forEach(token -> tokens.add(ByteBuffer.wrap(token)));
    int sent = 0;
    for (ByteBuffer wrapped : tokens) {
      byte[] token = wrapped.array();
      try {
        client.heartbeat(token, null);
        sent++;
      } catch (ActivityNotExistsException | ActivityCanceledException e) {
        // Ended a moment ago (its report is being recorded) or timed out: nothing to keep alive.
        log.debug(
            "delivery heartbeat for an ended activity error={}", e.getClass().getSimpleName());
      } catch (ActivityCompletionException e) {
        // Temporal did not answer: tried again next round, well within the heartbeat timeout.
        log.debug("delivery heartbeat not sent error={}", e.toString());
      }
    }
    return sent;
  }

  @Override
  public synchronized void start() {
    if (beater != null) {
      return;
    }
    beater =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "delivery-heartbeats");
              thread.setDaemon(true);
              return thread;
            });
    long millis = interval.toMillis();
    beater.scheduleWithFixedDelay(this::beatSafely, millis, millis, TimeUnit.MILLISECONDS);
  }

  private void beatSafely() {
    try {
      beat();
    } catch (RuntimeException e) {
      log.warn("delivery heartbeats failed error={}", e.toString());
    }
  }

  @Override
  public synchronized void stop() {
    if (beater != null) {
      beater.shutdownNow();
      beater = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return beater != null;
  }

  @Override
  public void destroy() {
    stop();
  }
}
