package dev.firmament.agent;

import java.util.Map;

/**
 * Where a device keeps its ledgers, so that they outlive a restart ({@link FileLedgerStore}) or
 * only the process ({@link #inMemory()}, for simulated fleets). Called on the agent's serial
 * executor only.
 */
public interface LedgerStore {

  /** Every kept ledger, by name. */
  Map<String, LedgerEntry> load();

  /** Keeps {@code entry}, replacing what was kept under its name; durable when it returns. */
  void save(LedgerEntry entry);

  /** Forgets the ledger {@code name}. */
  void remove(String name);

  /** A store that lives as long as the process. */
  static LedgerStore inMemory() {
    Map<String, LedgerEntry> entries = new java.util.HashMap<>();
    return new LedgerStore() {
      @Override
      public Map<String, LedgerEntry> load() {
        return Map.copyOf(entries);
      }

      @Override
      public void save(LedgerEntry entry) {
        entries.put(entry.name(), entry);
      }

      @Override
      public void remove(String name) {
        entries.remove(name);
      }
    };
  }
}
