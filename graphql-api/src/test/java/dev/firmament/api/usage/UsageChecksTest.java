package dev.firmament.api.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import java.time.LocalDate;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;

/** The plan's device limit at its edges, usage periods, and the usage records' sums. */
class UsageChecksTest {

  @Test
  void exactlyAtTheLimitPasses() {
    DeviceLimit.check(3, 2, 1);
    DeviceLimit.check(3, 0, 3);
    DeviceLimit.check(0, 0, 0);
  }

  @Test
  void oneOverTheLimitIsRefusedWithTheLimitAndTheCount() {
    assertThatThrownBy(() -> DeviceLimit.check(3, 3, 1))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION);
              assertThat(e.details()).containsEntry("deviceLimit", 3).containsEntry("devices", 3L);
              assertThat(e.getMessage()).contains("allows 3 device(s)", "holds 3", "1 more");
            });
    assertThatThrownBy(() -> DeviceLimit.check(3, 1, 3)).isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> DeviceLimit.check(0, 0, 1)).isInstanceOf(ApiException.class);
  }

  @Test
  void aLimitLoweredBelowTheDevicesHeldRefusesEvenNone() {
    assertThatThrownBy(() -> DeviceLimit.check(1, 3, 0)).isInstanceOf(ApiException.class);
  }

  @Test
  void noLimitAdmitsAnyNumber() {
    DeviceLimit.check(null, Integer.MAX_VALUE, Integer.MAX_VALUE);
  }

  @Test
  void aMonthAndADayAreParsedWithTheirBounds() {
    UsagePeriod month = UsagePeriod.parse("2026-12", null);
    assertThat(month.name()).isEqualTo("2026-12");
    assertThat(month.start()).isEqualTo(LocalDate.parse("2026-12-01"));
    assertThat(month.end()).isEqualTo(LocalDate.parse("2027-01-01"));
    UsagePeriod february = UsagePeriod.parse(" 2028-02 ", null);
    assertThat(february.end()).isEqualTo(LocalDate.parse("2028-03-01"));
    UsagePeriod day = UsagePeriod.parse("2026-12-31", null);
    assertThat(day.name()).isEqualTo("2026-12-31");
    assertThat(day.start()).isEqualTo(LocalDate.parse("2026-12-31"));
    assertThat(day.end()).isEqualTo(LocalDate.parse("2027-01-01"));
    UsagePeriod fallback = UsagePeriod.month(YearMonth.of(2026, 1));
    assertThat(UsagePeriod.parse(null, fallback)).isSameAs(fallback);
  }

  @Test
  void anythingElseIsInvalid() {
    for (String bad :
        new String[] {
          "2026-13", "2026-02-30", "2026", "26-12", "2026-12-1", "Dec 2026", "", "2026-1"
        }) {
      assertThatThrownBy(() -> UsagePeriod.parse(bad, null))
          .as(bad)
          .isInstanceOfSatisfying(
              ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
    assertThatThrownBy(() -> new UsagePeriod("x", LocalDate.EPOCH, LocalDate.EPOCH))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void dateArgumentsAreDaysOnly() {
    assertThat(UsagePeriod.date("fromDate", null)).isNull();
    assertThat(UsagePeriod.date("fromDate", " 2026-03-01")).isEqualTo(LocalDate.of(2026, 3, 1));
    assertThatThrownBy(() -> UsagePeriod.date("toDate", "2026-03"))
        .hasMessageContaining("toDate must be a day");
    assertThatThrownBy(() -> UsagePeriod.date("toDate", "2026-04-31"))
        .hasMessageContaining("toDate: no such day");
  }

  @Test
  void aRecordsOperationsAndBytesAreItsSums() {
    UsageRecord r =
        new UsageRecord("p", LocalDate.of(2026, 3, 1), 1, 2, 4, 8, 100, 200, 400, 800, 5000);
    assertThat(r.dataOperations()).isEqualTo(15);
    assertThat(r.bytes()).as("the device's own count is apart").isEqualTo(1500);
    assertThat(r.id()).isEqualTo("p/2026-03-01");
    SimDataUsage u =
        new SimDataUsage(
            "s", "2026-03", LocalDate.of(2026, 3, 1), LocalDate.of(2026, 4, 1), 1, 2, 4, 8, 10);
    assertThat(u.measuredBytes()).isEqualTo(15);
    assertThat(u.usedBytes()).isEqualTo(15);
    assertThat(new SimDataUsage("s", "p", u.start(), u.end(), 1, 0, 0, 0, 16).usedBytes())
        .isEqualTo(16);
  }
}
