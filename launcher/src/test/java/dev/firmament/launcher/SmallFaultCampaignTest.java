package dev.firmament.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault campaign's small version ({@link FaultCampaign.Plan#small()}), on the production
 * topology: the embedded services, the API in this process, two worker processes (the production
 * role, started as {@code firmament server workers}) and 100 simulated devices. During one rollout
 * a worker is killed ({@code kill -9}) and the broker is restarted. The rollout completes, every
 * device ends SUCCEEDED exactly once, no device installs twice, and PostgreSQL counts what the
 * devices did.
 */
class SmallFaultCampaignTest {
  @TempDir Path dataDir;

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES)
  void aRolloutSurvivesAWorkerKillAndABrokerRestart() throws Exception {
    FaultCampaign.Plan plan = FaultCampaign.Plan.small();
    FaultCampaign.Outcome outcome;
    try {
      outcome = new FaultCampaign(plan, dataDir, System.out).run();
    } finally {
      keepWorkerLogs();
    }
    outcome.print(System.out);

    assertThat(outcome.violations()).isEmpty();
    assertThat(outcome.status()).isEqualTo("SUCCEEDED");
    assertThat(outcome.succeeded()).isEqualTo(plan.devices());
    assertThat(outcome.historyEnds()).isEqualTo(plan.devices());
    assertThat(outcome.installedTwice()).isZero();
    assertThat(outcome.onTarget()).isEqualTo(plan.devices());
    assertThat(outcome.faults())
        .hasSize(2)
        .anySatisfy(f -> assertThat(f).startsWith("kill -9 of a worker"))
        .anySatisfy(f -> assertThat(f).startsWith("broker restarted"));
  }

  /** The worker processes' logs, kept where the build's reports are, to read after a failure. */
  private void keepWorkerLogs() throws IOException {
    Path kept = Path.of("target", "fault-campaign");
    Files.createDirectories(kept);
    try (Stream<Path> logs = Files.list(dataDir)) {
      for (Path log :
          logs.filter(
                  p ->
                      p.getFileName().toString().endsWith(".log")
                          || p.getFileName().toString().endsWith(".json"))
              .toList()) {
        Files.copy(log, kept.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }
}
