package dev.firmament.workers.delivery;

import dev.firmament.orchestrator.rollout.DeviceUpdateOutcome;
import dev.firmament.orchestrator.rollout.DeviceUpdateState;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.protocol.server.DeviceReport;
import dev.firmament.protocol.server.PresenceEvent;
import dev.firmament.workers.device.DevicePresence;
import dev.firmament.workers.rollout.RollbackDelivery;
import dev.firmament.workers.rollout.RolloutRecords;
import io.temporal.client.ActivityCompletionClient;
import io.temporal.client.ActivityCompletionException;
import io.temporal.client.WorkflowClient;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Turns device reports into result transitions and activity completions, and presence messages into
 * device rows.
 *
 * <p>Reports of one device are handled in arrival order on one lane (a single thread chosen by the
 * device id), so the history reads in the order the device spoke; lanes work in parallel. A report
 * is accepted only when its update id names the device on whose topic it arrived.
 */
@Component
public class StatusBridge implements DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(StatusBridge.class);

  private final RolloutRecords records;
  private final DevicePresence presence;
  private final RollbackDelivery rollbacks;
  private final ActivityCompletionClient completions;
  private final List<ExecutorService> lanes = new ArrayList<>();

  public StatusBridge(
      RolloutRecords records,
      DevicePresence presence,
      RollbackDelivery rollbacks,
      WorkflowClient workflowClient,
      DeviceGateway gateway,
      @Value("${firmament.delivery.bridge-lanes:4}") int laneCount) {
    this.records = records;
    this.presence = presence;
    this.rollbacks = rollbacks;
    this.completions = workflowClient.newActivityCompletionClient();
    for (int i = 0; i < laneCount; i++) {
      int lane = i;
      lanes.add(
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "status-bridge-" + lane);
                t.setDaemon(true);
                return t;
              }));
    }
    gateway.onReport(report -> lane(report.deviceId()).execute(() -> safely(report)));
    gateway.onPresence(event -> lane(event.deviceId()).execute(() -> safely(event)));
  }

  private ExecutorService lane(String deviceId) {
    return lanes.get(Math.floorMod(deviceId.hashCode(), lanes.size()));
  }

  private void safely(DeviceReport report) {
    try {
      handle(report);
    } catch (RuntimeException e) {
      log.error("device report not recorded device={} error={}", report.deviceId(), e.toString());
    }
  }

  private void safely(PresenceEvent event) {
    try {
      presence.record(event.deviceId(), event.presence());
    } catch (RuntimeException e) {
      log.error("presence not recorded device={} error={}", event.deviceId(), e.toString());
    }
  }

  void handle(DeviceReport deviceReport) {
    StatusReport report = deviceReport.report();
    String[] rollbackKey = RollbackDelivery.parseKey(report.updateId());
    if (rollbackKey != null && rollbackKey[1].equals(deviceReport.deviceId())) {
      handleRollback(deviceReport, UUID.fromString(rollbackKey[0]));
      return;
    }
    var key = UpdateKeys.parse(report.updateId());
    if (key.isEmpty() || !key.get().deviceId().equals(deviceReport.deviceId())) {
      log.warn(
          "report ignored: update {} does not belong to device {}",
          report.updateId(),
          deviceReport.deviceId());
      return;
    }
    UUID jobId = key.get().jobId();
    String deviceId = deviceReport.deviceId();
    DeviceUpdateState state = DeviceUpdateState.valueOf(report.state().name());
    String code = report.code() == null ? null : report.code().name();
    // A device that verifies has received the whole artifact; earlier reports carry its offset.
    Long bytes =
        switch (state) {
          case VERIFYING, INSTALLING, REBOOTING, SUCCEEDED, ROLLED_BACK ->
              records.artifactSize(jobId, deviceId);
          default -> report.offset();
        };
    boolean changed =
        records.transition(jobId, deviceId, state, bytes, code, report.detail(), null);
    if (state == DeviceUpdateState.SUCCEEDED && report.currentVersion() != null) {
      presence.recordVersion(deviceId, report.currentVersion());
    }
    if (changed && state.isTerminal()) {
      complete(
          jobId,
          deviceId,
          new DeviceUpdateOutcome(deviceId, state, code, records.bytesSent(jobId, deviceId)));
    }
  }

  /** A report about a rollback stage's update: its own result row, its own completion. */
  private void handleRollback(DeviceReport deviceReport, UUID jobId) {
    StatusReport report = deviceReport.report();
    String deviceId = deviceReport.deviceId();
    DeviceUpdateState state = DeviceUpdateState.valueOf(report.state().name());
    String code = report.code() == null ? null : report.code().name();
    DeviceUpdateOutcome outcome =
        rollbacks.onReport(jobId, deviceId, state, report.offset(), code, report.detail());
    if (state == DeviceUpdateState.SUCCEEDED && report.currentVersion() != null) {
      presence.recordVersion(deviceId, report.currentVersion());
    }
    byte[] token = outcome == null ? null : rollbacks.taskToken(jobId, deviceId);
    if (token != null) {
      try {
        completions.complete(token, outcome);
      } catch (ActivityCompletionException e) {
        log.info(
            "rollback already closed job={} device={} reason={}", jobId, deviceId, e.toString());
      }
    }
  }

  private void complete(UUID jobId, String deviceId, DeviceUpdateOutcome outcome) {
    byte[] token = records.taskToken(jobId, deviceId).orElse(null);
    if (token == null) {
      log.warn("no open update to complete job={} device={}", jobId, deviceId);
      return;
    }
    try {
      completions.complete(token, outcome);
    } catch (ActivityCompletionException e) {
      // The activity already ended (for example it timed out); the result row says what happened.
      log.info("update already closed job={} device={} reason={}", jobId, deviceId, e.toString());
    }
  }

  @Override
  public void destroy() throws InterruptedException {
    for (ExecutorService lane : lanes) {
      lane.shutdown();
    }
    for (ExecutorService lane : lanes) {
      lane.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
