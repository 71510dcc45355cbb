package dev.firmament.protocol.server;

import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.Transport;

/**
 * A status report as the gateway hands it to listeners.
 *
 * @param deviceId the device that sent it, taken from the MQTT topic (the device's authenticated
 *     identity), never from the payload
 * @param report the report; its {@code updateId} is the device's current update
 * @param transport how the delivery's bytes go to the device; null when the report is not about a
 *     delivery of this gateway
 * @param served the server's count of the delivery's bytes so far: chunk payload bytes pushed
 *     (MQTT, re-sent ones included) or the ranges of the links signed for the device (HTTPS, each
 *     superseded link counted as far as the device got with it); null when not known
 */
public record DeviceReport(String deviceId, StatusReport report, Transport transport, Long served) {

  /** A report without the server's side of the delivery. */
  public DeviceReport(String deviceId, StatusReport report) {
    this(deviceId, report, null, null);
  }
}
