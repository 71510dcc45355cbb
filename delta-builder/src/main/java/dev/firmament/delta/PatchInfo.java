package dev.firmament.delta;

import dev.firmament.delta.internal.BoundedInputStream;
import dev.firmament.delta.internal.Bsdiff40Format;
import dev.firmament.delta.internal.NativeFormat;
import dev.firmament.delta.io.DeltaFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/**
 * What a patch header declares. BSDIFF40 headers carry no old size and no hashes ({@code -1} and
 * {@code null}).
 */
public record PatchInfo(
    PatchFormat format,
    long oldSize,
    long newSize,
    byte[] oldSha256,
    byte[] newSha256,
    String filter,
    int chunkSize,
    int chunks) {

  /** Reads and validates a patch header from the start of {@code in}. */
  public static PatchInfo read(InputStream in) throws IOException {
    byte[] magic = new byte[8];
    BoundedInputStream.readFully(in, magic, 0, 8);
    if (Arrays.equals(magic, Bsdiff40Format.MAGIC)) {
      byte[] h = new byte[Bsdiff40Format.HEADER_SIZE];
      System.arraycopy(magic, 0, h, 0, 8);
      BoundedInputStream.readFully(in, h, 8, h.length - 8);
      Bsdiff40Format.Header bh = Bsdiff40Format.readHeader(h);
      return new PatchInfo(PatchFormat.BSDIFF40, -1, bh.newSize(), null, null, "none", 0, 0);
    }
    if (!Arrays.equals(magic, NativeFormat.MAGIC)) {
      throw new DeltaFormatException(
          "not a patch: unknown magic "
              + HexFormat.of().formatHex(magic)
              + " (expected FMDELTA1 or BSDIFF40)");
    }
    NativeFormat.Header h = NativeFormat.readHeader(magic, in);
    return new PatchInfo(
        PatchFormat.NATIVE,
        h.oldSize(),
        h.newSize(),
        h.oldSha256(),
        h.newSha256(),
        h.filter().name().toLowerCase(Locale.ROOT)
            + (h.abs32() != null ? "+abs32" : "")
            + (h.regions() != null ? "+regions" : "")
            + (h.codec() == NativeFormat.CODEC_LZMA ? "+lzma" : ""),
        h.chunkSize(),
        h.chunks());
  }

  /** Multi-line human-readable description. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    sb.append("format:     ")
        .append(format == PatchFormat.NATIVE ? "FMDELTA1 (native)" : "BSDIFF40 (classic bsdiff)")
        .append('\n');
    if (oldSize >= 0) {
      sb.append("old size:   ").append(oldSize).append('\n');
    }
    sb.append("new size:   ").append(newSize).append('\n');
    if (oldSha256 != null) {
      sb.append("old sha256: ").append(HexFormat.of().formatHex(oldSha256)).append('\n');
      sb.append("new sha256: ").append(HexFormat.of().formatHex(newSha256)).append('\n');
      sb.append("filter:     ").append(filter).append('\n');
      sb.append("chunks:     ")
          .append(chunks)
          .append(" of up to ")
          .append(chunkSize)
          .append(" bytes\n");
    }
    return sb.toString();
  }
}
