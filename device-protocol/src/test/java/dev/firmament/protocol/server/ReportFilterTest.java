package dev.firmament.protocol.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.ProtocolCodec;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.server.ReportFilter.Verdict;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReportFilterTest {

  private static final ProtocolCodec CODEC = new ProtocolCodec();
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final ReportFilter filter = new ReportFilter("u-1");

  private static StatusReport report(String updateId, DeviceState state, long offset, int second) {
    Long at = state == DeviceState.DOWNLOADING ? offset : null;
    ErrorCode code = state.requiresCode() ? ErrorCode.BOOT_FAILED : null;
    return new StatusReport(updateId, state, at, code, null, "1.0.0", T0.plusSeconds(second));
  }

  private Verdict admit(StatusReport report) {
    return filter.admit(report, CODEC.encodeReport(report));
  }

  @Test
  void aReportForAnotherUpdateIsStaleAndNotRemembered() {
    StatusReport stale = report("u-0", DeviceState.SUCCEEDED, 0, 1);

    assertThat(admit(stale)).isEqualTo(Verdict.OTHER_UPDATE);
    assertThat(admit(stale)).as("still stale, not a duplicate").isEqualTo(Verdict.OTHER_UPDATE);
  }

  @Test
  void anExactCopyIsADuplicate() {
    StatusReport ack = report("u-1", DeviceState.DOWNLOADING, 4096, 1);

    assertThat(admit(ack)).isEqualTo(Verdict.ACCEPTED);
    assertThat(admit(ack)).isEqualTo(Verdict.DUPLICATE);
  }

  @Test
  void theSameAcknowledgementSentAgainLaterIsNoDuplicate() {
    // A device that repeats its position to ask for a resend sends a new message.
    assertThat(admit(report("u-1", DeviceState.DOWNLOADING, 4096, 1))).isEqualTo(Verdict.ACCEPTED);
    assertThat(admit(report("u-1", DeviceState.DOWNLOADING, 4096, 2))).isEqualTo(Verdict.ACCEPTED);
  }

  @Test
  void copiesAreRecognisedAmongTheRecentReportsOnly() {
    StatusReport first = report("u-1", DeviceState.DOWNLOADING, 0, 0);
    admit(first);
    for (int i = 1; i < ReportFilter.REMEMBERED_REPORTS; i++) {
      admit(report("u-1", DeviceState.DOWNLOADING, i, i));
    }
    assertThat(admit(first)).as("the oldest remembered").isEqualTo(Verdict.DUPLICATE);

    admit(report("u-1", DeviceState.DOWNLOADING, 999, 999));

    assertThat(admit(first)).as("pushed out by one more").isEqualTo(Verdict.ACCEPTED);
  }

  @Test
  void listenersSeeEachStateOnceAndInOrder() {
    assertThat(filter.forward(DeviceState.DOWNLOADING)).isTrue();
    assertThat(filter.forward(DeviceState.DOWNLOADING)).isFalse();
    assertThat(filter.forward(DeviceState.INSTALLING)).isTrue();
    assertThat(filter.forward(DeviceState.VERIFYING)).as("out of order").isFalse();
    assertThat(filter.lastForwarded()).isEqualTo(DeviceState.INSTALLING);
    assertThat(filter.forward(DeviceState.FAILED)).isTrue();
    assertThat(filter.lastForwarded()).isEqualTo(DeviceState.FAILED);
  }

  @Test
  void afterATerminalStateListenersSeeNothingButARevertAfterSuccess() {
    assertThat(ReportFilter.advances(DeviceState.FAILED, DeviceState.SUCCEEDED)).isFalse();
    assertThat(ReportFilter.advances(DeviceState.FAILED, DeviceState.ROLLED_BACK)).isFalse();
    assertThat(ReportFilter.advances(DeviceState.SUCCEEDED, DeviceState.SUCCEEDED)).isFalse();
    assertThat(ReportFilter.advances(DeviceState.SUCCEEDED, DeviceState.DOWNLOADING)).isFalse();
    assertThat(ReportFilter.advances(DeviceState.SUCCEEDED, DeviceState.ROLLED_BACK)).isTrue();
    assertThat(ReportFilter.advances(DeviceState.ROLLED_BACK, DeviceState.ROLLED_BACK)).isFalse();
  }

  @Test
  void aTerminalStateMayFollowAnyState() {
    assertThat(ReportFilter.advances(null, DeviceState.REJECTED)).isTrue();
    assertThat(ReportFilter.advances(DeviceState.REBOOTING, DeviceState.FAILED)).isTrue();
    assertThat(ReportFilter.advances(DeviceState.DOWNLOADING, DeviceState.SUCCEEDED)).isTrue();
  }
}
