package dev.firmament.protocol.server;

import java.util.HashMap;
import java.util.Map;

/**
 * The bytes a gateway exchanged with each device, kept until someone drains them: the workers write
 * them to each device's SIM and product usage every few seconds (docs/connectivity.md, "Data
 * usage"). Only the gateway sees a firmware chunk or a ledger message cross, so only it can count
 * them; what a drain returns is never returned again.
 *
 * <p>Thread-safe: the gateway's event loop adds chunks, other threads add ledger messages and
 * drain. A lock guards one small map; a drain swaps it for an empty one.
 */
final class UsageMeter {
  private Map<String, long[]> counts = new HashMap<>();

  void ota(String deviceId, long bytes) {
    add(deviceId, bytes, 0, 0);
  }

  void ledger(String deviceId, long bytes, boolean document) {
    add(deviceId, 0, bytes, document ? 1 : 0);
  }

  private synchronized void add(String deviceId, long ota, long ledger, long syncs) {
    long[] c = counts.computeIfAbsent(deviceId, id -> new long[3]);
    c[0] += ota;
    c[1] += ledger;
    c[2] += syncs;
  }

  /** Everything counted since the last drain, by device, and forgets it. */
  Map<String, DeviceUsage> drain() {
    Map<String, long[]> taken;
    synchronized (this) {
      if (counts.isEmpty()) {
        return Map.of();
      }
      taken = counts;
      counts = new HashMap<>();
    }
    Map<String, DeviceUsage> usage = new HashMap<>(taken.size() * 2);
    taken.forEach((id, c) -> usage.put(id, new DeviceUsage(c[0], c[1], c[2])));
    return usage;
  }
}
