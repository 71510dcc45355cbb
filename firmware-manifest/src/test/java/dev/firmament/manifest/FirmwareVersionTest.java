package dev.firmament.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FirmwareVersionTest {

  @Test
  void versionsCompareNumericallyPartByPart() {
    assertThat(FirmwareVersion.compare("1.10.0", "1.9.9")).isPositive();
    assertThat(FirmwareVersion.compare("2.0", "2.0.1")).isNegative();
    assertThat(FirmwareVersion.compare("2.0.0", "2.0.0")).isZero();
    assertThat(FirmwareVersion.isDowngrade("2.0.0", "1.5.0")).isTrue();
    assertThat(FirmwareVersion.isDowngrade("1.5.0", "2.0.0")).isFalse();
  }

  @Test
  void aPrefixSortsFirstAndTextPartsCompareAsText() {
    assertThat(FirmwareVersion.compare("1.2", "1.2.1")).isNegative();
    assertThat(FirmwareVersion.compare("1.2.1", "1.10")).isNegative();
    assertThat(FirmwareVersion.isDowngrade("2.0.0", "2.0.0")).isFalse();
  }

  @Test
  void numbersCompareByValueAndANumberSortsAfterText() {
    assertThat(FirmwareVersion.compare("1.02", "1.2")).isZero();
    assertThat(FirmwareVersion.compare("1.007", "1.10")).isNegative();
    assertThat(FirmwareVersion.compare("1.0", "1.00")).isZero();
    assertThat(FirmwareVersion.compare("1.1", "1.rc")).isPositive();
    assertThat(FirmwareVersion.compare("1.rc", "1.1")).isNegative();
    assertThat(FirmwareVersion.compare("1.beta", "1.alpha")).isPositive();
    assertThat(FirmwareVersion.compare("1.9a", "1.10")).isNegative();
  }
}
