package dev.firmament.workers.delivery;

import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.orchestrator.rollout.RolloutWorkflow;
import dev.firmament.protocol.Presence;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.protocol.server.DeviceReport;
import dev.firmament.protocol.server.PresenceEvent;
import dev.firmament.workers.device.DevicePresence;
import dev.firmament.workers.rollout.ResultTransitions;
import dev.firmament.workers.rollout.RollbackRecords;
import dev.firmament.workers.rollout.TransitionRules;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Turns device reports into result transitions and activity completions, and presence messages into
 * device rows; a device that connects while rollouts wait for it wakes them.
 *
 * <p>Messages of one device are handled in arrival order on one lane (a single thread chosen by the
 * device id), so the history reads in the order the device spoke; lanes work in parallel. A lane
 * takes whatever has queued up since its last round, up to {@value #MAX_BATCH} messages, and
 * records the update reports among them together: one transaction moves every result and writes
 * every history row (a device with two reports in the round gets its second in the next
 * transaction, so its order holds) and marks the completions the finished ones owe as due, then one
 * statement records the versions devices now run, then the {@link CompletionOutbox} sends the
 * completions (what Temporal does not take stays due and is sent again). If a batch cannot be
 * recorded, its reports are recorded one by one, so one bad report costs no other. A report is
 * accepted only when its update id names the device on whose topic it arrived.
 */
@Component
public class StatusBridge implements DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(StatusBridge.class);

  /** The most messages a lane takes in one round. */
  static final int MAX_BATCH = 256;

  private final ResultTransitions results;
  private final DevicePresence presence;
  private final RollbackDelivery rollbacks;
  private final CompletionOutbox outbox;
  private final WorkflowClient workflows;
  private final List<Lane> lanes = new ArrayList<>();
  private final Duration presenceRepeat;

  /** The last presence recorded per device, most recent last, bounded. */
  private final Map<String, RecordedPresence> recentPresence =
      Collections.synchronizedMap(
          new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, RecordedPresence> eldest) {
              return size() > RECENT_PRESENCE_DEVICES;
            }
          });

  public StatusBridge(
      ResultTransitions results,
      DevicePresence presence,
      RollbackDelivery rollbacks,
      CompletionOutbox outbox,
      WorkflowClient workflowClient,
      DeviceGateway gateway,
      @Value("${firmament.delivery.bridge-lanes:4}") int laneCount,
      @Value("${firmament.delivery.presence-repeat-interval:30s}") Duration presenceRepeat) {
    this.presenceRepeat = presenceRepeat;
    this.results = results;
    this.presence = presence;
    this.rollbacks = rollbacks;
    this.outbox = outbox;
    this.workflows = workflowClient;
    for (int i = 0; i < laneCount; i++) {
      lanes.add(new Lane("status-bridge-" + i));
    }
    gateway.onReport(report -> lane(report.deviceId()).offer(report));
    gateway.onPresence(event -> lane(event.deviceId()).offer(event));
  }

  private Lane lane(String deviceId) {
    return lanes.get(Math.floorMod(deviceId.hashCode(), lanes.size()));
  }

  /** One thread and its queue of reports and presence events. */
  private final class Lane implements Runnable {
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean stopping;

    Lane(String name) {
      thread = new Thread(this, name);
      thread.setDaemon(true);
      thread.start();
    }

    void offer(Object message) {
      queue.add(message);
    }

    @Override
    public void run() {
      List<Object> round = new ArrayList<>(MAX_BATCH);
      while (!stopping || !queue.isEmpty()) {
        try {
          Object first = queue.poll(100, TimeUnit.MILLISECONDS);
          if (first == null) {
            continue;
          }
          round.add(first);
          queue.drainTo(round, MAX_BATCH - 1);
          handle(round);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (RuntimeException e) {
          log.error("status bridge round failed error={}", e.toString());
        } finally {
          round.clear();
        }
      }
    }

    void stop(long timeoutMillis) throws InterruptedException {
      stopping = true;
      thread.join(timeoutMillis);
    }
  }

  /** Handles one lane's round in arrival order, gathering update reports into batches. */
  void handle(List<?> round) {
    Map<String, Update> batch = new LinkedHashMap<>();
    // A device's presence messages in one round come down to its last: a device that reconnects
    // in a loop costs one write per round, not one per message.
    Map<String, PresenceEvent> lastPresence = new HashMap<>();
    for (Object message : round) {
      if (message instanceof PresenceEvent event) {
        lastPresence.put(event.deviceId(), event);
      }
    }
    for (Object message : round) {
      if (message instanceof PresenceEvent event) {
        if (lastPresence.get(event.deviceId()) != event) {
          continue;
        }
        record(batch);
        safely(event);
      } else if (message instanceof DeviceReport report) {
        Update update;
        try {
          update = parse(report);
        } catch (RuntimeException e) {
          // One unreadable report costs no other in the round.
          log.error(
              "device report not recorded device={} error={}", report.deviceId(), e.toString());
          continue;
        }
        if (update == null) {
          record(batch);
          safely(report);
        } else {
          if (batch.containsKey(update.reported().deviceId())) {
            record(batch);
          }
          batch.put(update.reported().deviceId(), update);
        }
      }
    }
    record(batch);
  }

  /** An update report, checked against its topic, with the version a successful device runs. */
  private record Update(ResultTransitions.Reported reported, String currentVersion) {}

  /**
   * The report as an update of a rollout's result, or null for anything else (a rollback report, or
   * a report that does not belong to the device, which {@link #safely(DeviceReport)} handles).
   */
  private static Update parse(DeviceReport deviceReport) {
    StatusReport report = deviceReport.report();
    if (RollbackDelivery.parseKey(report.updateId()) != null) {
      return null;
    }
    var key = UpdateKeys.parse(report.updateId());
    if (key.isEmpty() || !key.get().deviceId().equals(deviceReport.deviceId())) {
      return null;
    }
    DeviceUpdateState state = DeviceUpdateState.valueOf(report.state().name());
    String code = report.code() == null ? null : report.code().name();
    // The gateway's count (bytes pushed, or the ranges signed for a device that downloads over
    // HTTPS) when it gave one; else a device that verifies has received the whole artifact (its
    // size), and one that downloads holds the report's offset.
    Long bytes =
        deviceReport.served() != null
            ? deviceReport.served()
            : state.receivedWholeArtifact() ? null : report.offset();
    String version = state == DeviceUpdateState.SUCCEEDED ? report.currentVersion() : null;
    return new Update(
        new ResultTransitions.Reported(
            key.get().jobId(),
            deviceReport.deviceId(),
            key.get().attempt(),
            state,
            bytes,
            code,
            report.detail(),
            deviceReport.transport() == null ? null : deviceReport.transport().name(),
            report.received()),
        version);
  }

  /** Records a batch of update reports (at most one per device), then empties it. */
  private void record(Map<String, Update> batch) {
    if (batch.isEmpty()) {
      return;
    }
    List<Update> updates = List.copyOf(batch.values());
    batch.clear();
    try {
      recordRetryingOutages(updates);
    } catch (RuntimeException e) {
      if (updates.size() == 1) {
        log.error(
            "device report not recorded device={} error={}",
            updates.getFirst().reported().deviceId(),
            e.toString());
        return;
      }
      log.warn("report batch not recorded, recording one by one size={}", updates.size());
      for (Update update : updates) {
        record(new LinkedHashMap<>(Map.of(update.reported().deviceId(), update)));
      }
    }
  }

  /**
   * Records a batch, and records it again while PostgreSQL is unreachable (a restart, a failover):
   * waits 200 ms doubling to 5 s between tries, for at most {@link #OUTAGE_PATIENCE}, so that a
   * report is not lost to an outage (a device whose progress report was lost would then claim a
   * verification without a download). Reports behind it in its lane wait meanwhile, in order. Any
   * other failure (a row the data refuses) is thrown at once.
   */
  private void recordRetryingOutages(List<Update> updates) {
    long giveUpAt = System.nanoTime() + OUTAGE_PATIENCE.toNanos();
    long wait = 200;
    while (true) {
      try {
        recordAll(updates);
        return;
      } catch (RuntimeException e) {
        if (!isOutage(e) || System.nanoTime() + wait * 1_000_000 > giveUpAt) {
          throw e;
        }
        log.warn(
            "device reports not recorded yet, PostgreSQL unreachable size={} retryInMs={} error={}",
            updates.size(),
            wait,
            e.toString());
        try {
          Thread.sleep(wait);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
        wait = Math.min(5_000, wait * 2);
      }
    }
  }

  /** How long a batch of reports is retried while PostgreSQL is unreachable. */
  static final Duration OUTAGE_PATIENCE = Duration.ofMinutes(2);

  /**
   * Whether a write failed because PostgreSQL could not be reached or went away (connection
   * exceptions, SQLSTATE class 08; an administrator's shutdown, 57P01-57P03), not because of the
   * data.
   */
  static boolean isOutage(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof org.springframework.dao.DataAccessResourceFailureException
          || t instanceof org.springframework.dao.TransientDataAccessResourceException
          || t instanceof java.sql.SQLTransientConnectionException
          || t instanceof java.sql.SQLNonTransientConnectionException
          || t instanceof java.sql.SQLRecoverableException) {
        return true;
      }
      if (t instanceof java.sql.SQLException sql && sql.getSQLState() != null) {
        String state = sql.getSQLState();
        if (state.startsWith("08") || state.matches("57P0[123]")) {
          return true;
        }
      }
    }
    return false;
  }

  private void recordAll(List<Update> received) {
    List<Update> updates = believable(received);
    List<ResultTransitions.Moved> moved =
        results.transitionAll(updates.stream().map(Update::reported).toList());
    Map<String, String> versions = new LinkedHashMap<>();
    for (Update update : updates) {
      if (update.currentVersion() != null) {
        versions.put(update.reported().deviceId(), update.currentVersion());
      }
    }
    recordVersions(versions);
    // The results moved, and the completions they owe are due in the same rows: sent now, and
    // what Temporal does not take stays due for the outbox's sweep.
    List<ResultTransitions.DueCompletion> due = new ArrayList<>();
    for (ResultTransitions.Moved m : moved) {
      if (!m.state().isTerminal()) {
        continue;
      }
      if (m.taskToken() == null && m.watcher() == null) {
        log.warn("no open update to complete job={} device={}", m.jobId(), m.deviceId());
        continue;
      }
      due.add(
          new ResultTransitions.DueCompletion(
              m.jobId(),
              m.taskToken(),
              new DeviceUpdateOutcome(m.deviceId(), m.state(), m.errorCode(), m.bytesSent()),
              false,
              m.watcher(),
              m.attempt()));
    }
    outbox.send(due);
  }

  /**
   * A result moves through the states the protocol requires: a report of the whole artifact
   * (VERIFYING and later) for an update the device was never seen downloading is believed only as
   * the SUCCEEDED of a device that already runs the target version (nothing was sent: 0 bytes); any
   * other such claim is recorded as the device's FAILED with {@value #PROTOCOL_VIOLATION}.
   */
  private List<Update> believable(List<Update> updates) {
    List<ResultTransitions.Reported> claims =
        updates.stream()
            .map(Update::reported)
            .filter(r -> r.state().receivedWholeArtifact())
            .toList();
    Map<String, String> neverDownloaded = results.neverDownloaded(claims);
    if (neverDownloaded.isEmpty()) {
      return updates;
    }
    List<Update> checked = new ArrayList<>(updates.size());
    for (Update update : updates) {
      ResultTransitions.Reported r = update.reported();
      String target = neverDownloaded.get(r.jobId() + "/" + r.deviceId());
      if (target == null || !r.state().receivedWholeArtifact()) {
        checked.add(update);
      } else if (r.state() == DeviceUpdateState.SUCCEEDED
          && target.equals(update.currentVersion())) {
        checked.add(
            new Update(
                new ResultTransitions.Reported(
                    r.jobId(),
                    r.deviceId(),
                    r.attempt(),
                    r.state(),
                    0L,
                    r.errorCode(),
                    "device already ran " + target),
                update.currentVersion()));
      } else {
        log.warn(
            "device report refused: {} without downloading job={} device={}",
            r.state(),
            r.jobId(),
            r.deviceId());
        checked.add(
            new Update(
                new ResultTransitions.Reported(
                    r.jobId(),
                    r.deviceId(),
                    r.attempt(),
                    DeviceUpdateState.FAILED,
                    null,
                    PROTOCOL_VIOLATION,
                    "reported " + r.state() + " without downloading the update"),
                null));
      }
    }
    return checked;
  }

  /** The error code of a result whose device skipped the states the protocol requires. */
  public static final String PROTOCOL_VIOLATION = TransitionRules.PROTOCOL_VIOLATION;

  /**
   * Records the versions devices now run, in one statement; if that fails, one by one, so that one
   * device's bad value costs no other device its version (and nobody's completion).
   */
  private void recordVersions(Map<String, String> versions) {
    try {
      presence.recordVersions(versions);
    } catch (RuntimeException batch) {
      versions.forEach(
          (deviceId, version) -> {
            try {
              presence.recordVersion(deviceId, version);
            } catch (RuntimeException e) {
              log.error("version not recorded device={} error={}", deviceId, e.toString());
            }
          });
    }
  }

  private void safely(DeviceReport report) {
    try {
      handleOther(report);
    } catch (RuntimeException e) {
      log.error("device report not recorded device={} error={}", report.deviceId(), e.toString());
    }
  }

  private void safely(PresenceEvent event) {
    if (event.retainedAsOf() != null) {
      recordRetained(event);
      return;
    }
    if (repeated(event)) {
      return;
    }
    try {
      presence.record(event.deviceId(), event.presence());
      recentPresence.put(
          event.deviceId(), new RecordedPresence(event.presence(), System.nanoTime()));
      if (event.presence().online()) {
        wakeWaiting(event.deviceId());
      }
    } catch (RuntimeException e) {
      log.error("presence not recorded device={} error={}", event.deviceId(), e.toString());
    }
  }

  /**
   * A presence the broker kept while no worker listened (a device that connected, or went away,
   * while every worker was down): recorded unless something newer was, and a rollout waiting for
   * the device is woken as by a live presence.
   */
  private void recordRetained(PresenceEvent event) {
    try {
      if (presence.recordRetained(event.deviceId(), event.presence(), event.retainedAsOf())
          && event.presence().online()) {
        wakeWaiting(event.deviceId());
      }
    } catch (RuntimeException e) {
      log.error(
          "retained presence not recorded device={} error={}", event.deviceId(), e.toString());
    }
  }

  /**
   * Whether the device said the same (online with the same version, or offline) less than {@link
   * #presenceRepeat} ago: the row already says so, and the rollouts waiting for it were woken.
   */
  private boolean repeated(PresenceEvent event) {
    long now = System.nanoTime();
    RecordedPresence last = recentPresence.get(event.deviceId());
    if (last != null
        && last.presence().equals(event.presence())
        && now - last.atNanos() < presenceRepeat.toNanos()) {
      return true;
    }
    return false;
  }

  /** A presence recorded for a device, and when. */
  private record RecordedPresence(Presence presence, long atNanos) {}

  /** How many devices' last presence is remembered to drop repeats. */
  static final int RECENT_PRESENCE_DEVICES = 100_000;

  /** Tells each rollout in which the device waits for its presence that it connected. */
  private void wakeWaiting(String deviceId) {
    for (String workflowId : results.waitingFor(deviceId)) {
      try {
        workflows.newWorkflowStub(RolloutWorkflow.class, workflowId).devicesOnline();
      } catch (RuntimeException e) {
        // The rollout ended meanwhile; the device's result says how.
        log.info(
            "waiting rollout not told workflowId={} device={} reason={}",
            workflowId,
            deviceId,
            e.toString());
      }
    }
  }

  /** A report that is not an update of this device's rollout result: a rollback, or foreign. */
  private void handleOther(DeviceReport deviceReport) {
    StatusReport report = deviceReport.report();
    String[] rollbackKey = RollbackDelivery.parseKey(report.updateId());
    if (rollbackKey != null && rollbackKey[1].equals(deviceReport.deviceId())) {
      handleRollback(deviceReport, UUID.fromString(rollbackKey[0]));
      return;
    }
    log.warn(
        "report ignored: update {} does not belong to device {}",
        report.updateId(),
        deviceReport.deviceId());
  }

  /**
   * A report about a rollback stage's update: its own result row, its own completion, sent through
   * the outbox like an update's.
   */
  private void handleRollback(DeviceReport deviceReport, UUID jobId) {
    StatusReport report = deviceReport.report();
    String deviceId = deviceReport.deviceId();
    RollbackRecords.Claim claim =
        rollbacks.check(
            jobId,
            deviceId,
            DeviceUpdateState.valueOf(report.state().name()),
            report.offset(),
            report.code() == null ? null : report.code().name(),
            report.detail(),
            report.currentVersion());
    var due = rollbacks.onReport(jobId, deviceId, claim);
    if (claim.state() == DeviceUpdateState.SUCCEEDED && report.currentVersion() != null) {
      recordVersions(Map.of(deviceId, report.currentVersion()));
    }
    due.ifPresent(completion -> outbox.send(List.of(completion)));
  }

  @Override
  public void destroy() throws InterruptedException {
    for (Lane lane : lanes) {
      lane.stopping = true;
    }
    for (Lane lane : lanes) {
      lane.stop(5_000);
    }
  }
}
