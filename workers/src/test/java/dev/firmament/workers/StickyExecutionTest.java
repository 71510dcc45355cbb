package dev.firmament.workers;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Sticky execution is the default; turned off, the workers ask for no sticky queue (a zero
 * schedule-to-start timeout, which the SDK reads as "no sticky attributes"), and the SDK's own
 * defaults keep it so.
 */
class StickyExecutionTest {
  private static Duration applied(boolean sticky) {
    return WorkerOptions.newBuilder(TemporalWorkers.workflowOptions(sticky))
        .validateAndBuildWithDefaults()
        .getStickyQueueScheduleToStartTimeout();
  }

  @Test
  void withoutStickyExecutionTheWorkersAskForNoStickyQueue() {
    assertThat(applied(false)).isEqualTo(Duration.ZERO);
  }

  @Test
  void stickyExecutionKeepsTheSdksDefault() {
    assertThat(applied(true)).isPositive();
  }
}
