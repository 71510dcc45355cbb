package dev.firmament.server;

import java.util.List;

/** A production role was started with settings {@link ProductionSettings} refuses. */
public final class UnsafeProductionSettings extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient List<String> problems;

  UnsafeProductionSettings(String role, List<String> problems) {
    super("firmament-server " + role + " refuses to start: " + String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  /** Each problem, naming the settings that solve it. */
  public List<String> problems() {
    return problems;
  }
}
