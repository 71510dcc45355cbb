package dev.firmament.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.delta.internal.BranchFilter;
import dev.firmament.delta.internal.DiffTransform;
import dev.firmament.delta.internal.FilteredOldImage;
import dev.firmament.delta.internal.UnfilterOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BranchFilterTest {

  static byte[] branchy(Random r, int n) {
    byte[] b = TestData.random(r, n);
    for (int i = 0; i + 4 <= n; i += 2) {
      if (r.nextInt(4) == 0) {
        b[i + 1] = (byte) (0xF0 | (b[i + 1] & 7));
        b[i + 3] = (byte) (0xF8 | (b[i + 3] & 7));
      } else if (r.nextInt(4) == 0) {
        b[i + 3] = (byte) 0xEB;
      }
    }
    return b;
  }

  @ParameterizedTest
  @EnumSource(BranchFilter.class)
  void randomAccessAndStreamingInverse(BranchFilter f) throws Exception {
    Random r = new Random(f.ordinal());
    byte[] raw = branchy(r, 200_003);
    byte[] filtered = raw.clone();
    f.encode(filtered, 0, filtered.length, 0);
    if (f != BranchFilter.NONE) {
      assertThat(filtered).isNotEqualTo(raw);
    }
    // Random-access reads of the filtered old image agree with filtering the whole image.
    FilteredOldImage view = new FilteredOldImage(SeekableSource.of(raw), raw.length, f);
    for (int t = 0; t < 2000; t++) {
      int pos = r.nextInt(raw.length);
      int len = r.nextInt(Math.min(raw.length - pos, t % 10 == 0 ? 150_000 : 20)) + 0;
      byte[] got = new byte[len];
      view.read(pos, got, 0, len);
      assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(filtered, pos, pos + len));
    }
    // Streaming inverse with odd write sizes restores the raw image.
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    UnfilterOutputStream u = new UnfilterOutputStream(sink, f, md);
    for (int pos = 0; pos < filtered.length; ) {
      int n = Math.min(filtered.length - pos, 1 + r.nextInt(100_000));
      if (n == 1) {
        u.write(filtered[pos]);
      } else {
        u.write(filtered, pos, n);
      }
      pos += n;
    }
    u.finish();
    assertThat(sink.toByteArray()).isEqualTo(raw);
    assertThat(md.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(raw));
  }

  @ParameterizedTest
  @EnumSource(BranchFilter.class)
  void encodeDecodeIsIdentityForAllBases(BranchFilter f) throws IOException {
    Random r = new Random(99);
    for (int t = 0; t < 200; t++) {
      byte[] raw = branchy(r, r.nextInt(64));
      long base = r.nextInt(1 << 20) * 4L;
      byte[] b = raw.clone();
      f.encode(b, 0, b.length, base);
      f.decode(b, 0, b.length, base);
      assertThat(b).isEqualTo(raw);
    }
  }

  @ParameterizedTest
  @EnumSource(DiffTransform.class)
  void diffTransformInvertsInAlignedPieces(DiffTransform t) {
    Random r = new Random(t.ordinal() + 10);
    for (int trial = 0; trial < 300; trial++) {
      int n = r.nextInt(300);
      long newPos = r.nextInt(1000);
      byte[] older = TestData.random(r, n);
      byte[] newer = TestData.random(r, n);
      byte[] diff = new byte[n];
      t.subtract(newer, 0, older, 0, n, newPos, diff, 0);
      // Re-add in pieces that end at 4-aligned absolute positions, as the applier does.
      byte[] rebuilt = new byte[n];
      int k = 0;
      while (k < n) {
        long at = newPos + k;
        int piece = (int) Math.min(n - k, 8 + 4 * r.nextInt(4) - (at & 3));
        byte[] a = java.util.Arrays.copyOfRange(older, k, k + piece);
        byte[] b = java.util.Arrays.copyOfRange(diff, k, k + piece);
        t.add(a, b, piece, at);
        System.arraycopy(a, 0, rebuilt, k, piece);
        k += piece;
      }
      assertThat(rebuilt).isEqualTo(newer);
    }
  }
}
