package dev.firmament.workers.rollout;

import dev.firmament.orchestrator.rollout.DeviceUpdateRequest;
import dev.firmament.protocol.server.DeviceGateway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Withdraws offers whose update ended without the device: its delivery timed out, or the rollout
 * stopped. The gateway stops pushing the update's bytes and forgets it (it is not offered again
 * when the device reconnects), and the device is told to drop the update unless it is already
 * installing; a device that reports afterwards finds its result ended. Any worker can withdraw an
 * offer another worker made: the command goes to the device's topic.
 */
@Component
public class OfferCancellations {
  private static final Logger log = LoggerFactory.getLogger(OfferCancellations.class);

  private final DeviceGateway gateway;

  public OfferCancellations(DeviceGateway gateway) {
    this.gateway = gateway;
  }

  /** Withdraws the offer of a device's update (or rollback) attempt. Never throws. */
  public void withdraw(String jobId, String deviceId, int attempt, boolean rollback) {
    String updateId = new DeviceUpdateRequest(jobId, deviceId, attempt, null, rollback).key();
    try {
      gateway.cancel(deviceId, updateId);
    } catch (RuntimeException e) {
      // The gateway is closing: the device finds its update ended when it next reports.
      log.warn(
          "offer not withdrawn device={} update={} error={}", deviceId, updateId, e.toString());
    }
  }
}
