package dev.firmament.delta.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PlainTrialTest {

  @Test
  void denseDiffStreamsAreWorthAPlainTrial() {
    Random r = new Random(2);
    byte[] raw = new byte[64 * 1024];
    for (int i = 0; i < raw.length; i++) {
      // Small differences almost everywhere, as after a rewrite: few zero runs to code.
      raw[i] = (byte) (r.nextInt(3) - 1);
    }
    assertThat(NativeFormat.plainWorthTrying(raw, ZeroRuns.encode(raw))).isTrue();
  }

  @Test
  void mostlyZeroDiffStreamsAreNot() {
    Random r = new Random(2);
    byte[] raw = new byte[200 * 1024];
    for (int i = 0; i < raw.length; i += 64 + r.nextInt(512)) {
      raw[i] = (byte) (1 + r.nextInt(255));
    }
    assertThat(NativeFormat.plainWorthTrying(raw, ZeroRuns.encode(raw))).isFalse();
  }

  @Test
  void emptyAndOverlongStreamsAreNot() {
    assertThat(NativeFormat.plainWorthTrying(new byte[0], ZeroRuns.encode(new byte[0]))).isFalse();
    byte[] dense = new byte[NativeFormat.PLAIN_TRIAL_MAX + 1];
    new Random(4).nextBytes(dense);
    assertThat(NativeFormat.plainWorthTrying(dense, ZeroRuns.encode(dense))).isFalse();
    byte[] atMax = new byte[NativeFormat.PLAIN_TRIAL_MAX];
    new Random(4).nextBytes(atMax);
    assertThat(NativeFormat.plainWorthTrying(atMax, ZeroRuns.encode(atMax))).isTrue();
  }
}
