package dev.firmament.agent;

/**
 * How far the simulator is with connecting its devices.
 *
 * @param total devices to connect
 * @param connected devices connected so far
 * @param failed devices that could not connect
 */
public record FleetProgress(int total, int connected, int failed) {

  /** Whether every device has either connected or failed. */
  public boolean done() {
    return connected + failed == total;
  }
}
