package dev.firmament.workers.delta;

import dev.firmament.artifact.ArtifactStore;
import dev.firmament.artifact.StoredArtifact;
import dev.firmament.delta.ApplyResult;
import dev.firmament.delta.DeltaApplier;
import dev.firmament.delta.DeltaDiffer;
import dev.firmament.delta.DiffOptions;
import dev.firmament.delta.DiffResult;
import dev.firmament.delta.PatchFormat;
import dev.firmament.delta.io.SeekableSource;
import dev.firmament.manifest.Sha256;
import dev.firmament.orchestrator.delta.DeltaBuildActivities;
import dev.firmament.orchestrator.delta.DeltaBuildResult;
import dev.firmament.orchestrator.delta.DeltaBuildStatus;
import dev.firmament.orchestrator.delta.DeltaFailures;
import dev.firmament.orchestrator.delta.DeltaStatus;
import dev.firmament.workers.delta.DeltaRecords.Build;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds deltas between stored firmware images with the engine of this module and publishes them
 * only once they are proven: the patch is re-applied to the source image and the result must have
 * the target's SHA-256 and size before the patch is stored and its row says {@code PUBLISHED}.
 *
 * <p>Idempotent on {@code (from, to, format)}: a pair with a published or full-preferred row is
 * answered from the row; a failed pair is built again. Images are re-hashed after they are read,
 * against the catalogue's hash, so a corrupted stored image can never become a delta's source.
 */
public class DeltaBuildActivitiesImpl implements DeltaBuildActivities {
  /** The artifact kind of patches in the content-addressed store ({@code delta/{sha256}}). */
  public static final String DELTA_KIND = "delta";

  private static final Logger log = LoggerFactory.getLogger(DeltaBuildActivitiesImpl.class);

  private final DeltaRecords records;
  private final ArtifactStore store;
  private final int recentVersions;
  private final DiffOptions options;
  private final ReleaseSigning signing;

  public DeltaBuildActivitiesImpl(
      DeltaRecords records, ArtifactStore store, int recentVersions, DiffOptions options) {
    this(records, store, recentVersions, options, ReleaseSigning.none());
  }

  public DeltaBuildActivitiesImpl(
      DeltaRecords records,
      ArtifactStore store,
      int recentVersions,
      DiffOptions options,
      ReleaseSigning signing) {
    if (recentVersions < 0) {
      throw new IllegalArgumentException("recent versions must not be negative");
    }
    this.records = records;
    this.store = store;
    this.recentVersions = recentVersions;
    this.options = options;
    this.signing = signing;
  }

  @Override
  public List<String> sourcesFor(String firmwareId) {
    Build target = require(firmwareId);
    // The build's first step: its release manifest is signed here, in the delta role, before any
    // delta of it exists (see ReleaseSigning).
    signing.signIfNeeded(target, records);
    return records.sourcesFor(target, recentVersions).stream().map(UUID::toString).toList();
  }

  @Override
  public DeltaBuildResult buildDelta(String fromFirmwareId, String toFirmwareId) {
    Build from = require(fromFirmwareId);
    Build to = require(toFirmwareId);
    if (from.id().equals(to.id())
        || !from.productId().equals(to.productId())
        || !from.organizationId().equals(to.organizationId())) {
      throw ApplicationFailure.newNonRetryableFailure(
          "no delta between "
              + fromFirmwareId
              + " and "
              + toFirmwareId
              + ": not two builds of one product",
          DeltaFailures.INVALID_PAIR);
    }
    String format = options.format().name();
    Optional<DeltaBuildResult> existing = records.existing(from.id(), to.id(), format);
    if (existing.isPresent() && existing.get().status() != DeltaStatus.FAILED) {
      return existing.get();
    }

    long t0 = System.nanoTime();
    byte[] oldImage = readVerified(from);
    byte[] newImage = readVerified(to);
    if (oldImage == null || newImage == null) {
      Build corrupt = oldImage == null ? from : to;
      return records.record(
          from,
          to,
          failed(
              from,
              to,
              format,
              "the stored image of version " + corrupt.version() + " does not match its SHA-256",
              t0));
    }

    DiffResult diff;
    try {
      diff = DeltaDiffer.diff(oldImage, newImage, options);
    } catch (IOException | RuntimeException e) {
      return records.record(from, to, failed(from, to, format, "diff failed: " + e, t0));
    }
    if (!diff.useDelta()) {
      DeltaBuildResult fullPreferred =
          new DeltaBuildResult(
              from.id().toString(),
              to.id().toString(),
              from.version(),
              DeltaStatus.FULL_PREFERRED,
              format,
              Math.max(0, diff.patchBytes()),
              null,
              diff.reason(),
              millisSince(t0));
      return logged(records.record(from, to, fullPreferred));
    }

    byte[] patch = diff.patch();
    String problem = reapply(oldImage, patch, to);
    if (problem != null) {
      return logged(records.record(from, to, failed(from, to, format, problem, t0)));
    }
    StoredArtifact stored = store.put(DELTA_KIND, patch);
    DeltaBuildResult published =
        new DeltaBuildResult(
            from.id().toString(),
            to.id().toString(),
            from.version(),
            DeltaStatus.PUBLISHED,
            format,
            stored.size(),
            stored.sha256(),
            diff.reason(),
            millisSince(t0));
    DeltaBuildResult recorded =
        logged(
            records.record(
                from,
                to,
                published,
                options.format() == PatchFormat.NATIVE ? diff.branchFilter() : null,
                options.format() == PatchFormat.NATIVE ? diff.codec() : null));
    if (diff.zstdPatch() != null && published.sha256().equals(recorded.sha256())) {
      publishCompanion(from, to, recorded, diff, oldImage);
    }
    return recorded;
  }

  /**
   * Publishes the companion of a patch coded with LZMA or carrying an ABS32 or filter region table
   * (sql V50): the same candidate coded with zstd, without the table, checked like the patch
   * itself; a companion that does not re-apply is not published, which leaves devices without LZMA,
   * ABS32 or REGIONS to a patch built on demand or the full image.
   */
  private void publishCompanion(
      Build from, Build to, DeltaBuildResult published, DiffResult diff, byte[] oldImage) {
    String problem = reapply(oldImage, diff.zstdPatch(), to);
    if (problem != null) {
      log.warn(
          "delta companion not published from={} to={} reason={}",
          from.version(),
          to.version(),
          problem);
      return;
    }
    StoredArtifact stored = store.put(DELTA_KIND, diff.zstdPatch());
    if (records.recordCompanion(
        from,
        to,
        published,
        diff.companionBranchFilter(),
        new DeltaRecords.StoredCompanion(stored.sha256(), stored.size()))) {
      log.info(
          "delta companion published from={} to={} codec=ZSTD bytes={} beside={}",
          from.version(),
          to.version(),
          stored.size(),
          published.sizeBytes());
    }
  }

  @Override
  public void recordBuildStatus(String firmwareId, DeltaBuildStatus status) {
    records.buildStatus(parse(firmwareId), status);
  }

  /**
   * Applies the patch to the source image exactly as a device would and returns why the result is
   * not the target image, or null when it is.
   */
  static String reapply(byte[] oldImage, byte[] patch, Build to) {
    MessageDigest digest = Sha256.newDigest();
    long[] written = new long[1];
    OutputStream sink =
        new DigestOutputStream(OutputStream.nullOutputStream(), digest) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            super.write(b, off, len);
            written[0] += len;
          }

          @Override
          public void write(int b) throws IOException {
            super.write(b);
            written[0]++;
          }
        };
    ApplyResult applied;
    try (SeekableSource old = SeekableSource.of(oldImage);
        SeekableSource source = SeekableSource.of(patch)) {
      applied = DeltaApplier.apply(old, source, sink);
    } catch (IOException | RuntimeException e) {
      return "re-applying the delta failed: " + e.getMessage();
    }
    String actual = HexFormat.of().formatHex(digest.digest());
    if (!actual.equals(to.sha256())
        || !applied.newSha256Hex().equals(to.sha256())
        || written[0] != to.size()) {
      return "re-applying the delta produced "
          + written[0]
          + " bytes with sha256 "
          + actual
          + ", not the target image";
    }
    return null;
  }

  /** The image's bytes, or null when they do not hash to the catalogue's SHA-256. */
  private byte[] readVerified(Build build) {
    byte[] bytes;
    try (InputStream in = store.open(build.storageKey())) {
      bytes = in.readAllBytes();
    } catch (IOException e) {
      // Transient: the activity's retry policy decides.
      throw new UncheckedIOException("cannot read " + build.storageKey(), e);
    }
    if (bytes.length != build.size() || !Sha256.hex(bytes).equals(build.sha256())) {
      log.error(
          "stored image is corrupt firmware={} key={} bytes={}",
          build.id(),
          build.storageKey(),
          bytes.length);
      return null;
    }
    return bytes;
  }

  private Build require(String firmwareId) {
    return records
        .build(parse(firmwareId))
        .orElseThrow(
            () ->
                ApplicationFailure.newNonRetryableFailure(
                    "no firmware " + firmwareId, DeltaFailures.FIRMWARE_NOT_FOUND));
  }

  private static UUID parse(String firmwareId) {
    try {
      return UUID.fromString(firmwareId);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "not a firmware id: " + firmwareId, DeltaFailures.FIRMWARE_NOT_FOUND);
    }
  }

  private static DeltaBuildResult failed(
      Build from, Build to, String format, String reason, long t0) {
    return new DeltaBuildResult(
        from.id().toString(),
        to.id().toString(),
        from.version(),
        DeltaStatus.FAILED,
        format,
        0,
        null,
        reason,
        millisSince(t0));
  }

  private static DeltaBuildResult logged(DeltaBuildResult result) {
    log.info(
        "delta built from={} to={} status={} bytes={} ms={} reason={}",
        result.fromFirmwareId(),
        result.toFirmwareId(),
        result.status(),
        result.sizeBytes(),
        result.buildMillis(),
        result.reason());
    return result;
  }

  private static long millisSince(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
