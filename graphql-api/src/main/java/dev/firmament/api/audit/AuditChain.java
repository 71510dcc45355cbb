package dev.firmament.api.audit;

import dev.firmament.manifest.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;

/**
 * The hash chain of an organization's audit log and its verification. Each sealed entry's hash is
 * SHA-256 over its predecessor's hash and its own fields in a canonical form; checkpoints sign the
 * chain's head with the server's Ed25519 key, and the sealer writes one in the same transaction as
 * every seal, so every sealed entry is covered by a signature.
 */
public final class AuditChain {
  /** The predecessor of the first entry. */
  public static final String GENESIS = "0".repeat(64);

  private AuditChain() {}

  /** What verification found: intact, or the first entry that is not. */
  public record Verification(boolean intact, Long firstBadSeq, String reason, int entries) {
    static Verification ok(int entries) {
      return new Verification(true, null, null, entries);
    }

    static Verification broken(long seq, String reason, int entries) {
      return new Verification(false, seq, reason, entries);
    }
  }

  public static String hash(String prevHash, long seq, AuditEntry entry) {
    Instant at = entry.occurredAt().toInstant();
    String canonical =
        String.join(
            "\n",
            prevHash,
            Long.toString(seq),
            entry.organizationId().toString(),
            at.getEpochSecond() + "." + String.format("%09d", at.getNano()),
            entry.actor(),
            entry.action(),
            entry.target() == null ? "" : entry.target(),
            entry.details() == null ? "" : entry.details());
    return sha256(canonical);
  }

  static String checkpointMessage(AuditCheckpoint checkpoint) {
    return checkpoint.organizationId() + "\n" + checkpoint.chainSeq() + "\n" + checkpoint.hash();
  }

  public static String sign(PrivateKey key, AuditCheckpoint unsigned) {
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(key);
      signature.update(checkpointMessage(unsigned).getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign an audit checkpoint", e);
    }
  }

  static boolean signatureValid(PublicKey key, AuditCheckpoint checkpoint) {
    if (checkpoint.signature() == null) {
      return false;
    }
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initVerify(key);
      signature.update(checkpointMessage(checkpoint).getBytes(StandardCharsets.UTF_8));
      return signature.verify(Base64.getDecoder().decode(checkpoint.signature()));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Verifies one organization's sealed entries against each other and against its checkpoints:
   * every sequence number present once and in order, every hash recomputed, every checkpoint's
   * signature valid (when a public key is given) and naming an entry with its hash, and no sealed
   * entry beyond the last checkpoint. Unsealed entries (not chained yet) are not judged.
   */
  public static Verification verify(
      List<AuditEntry> entries, List<AuditCheckpoint> checkpoints, PublicKey publicKey) {
    List<AuditEntry> sealed =
        entries.stream()
            .filter(e -> e.chainSeq() != null)
            .sorted(Comparator.comparingLong(AuditEntry::chainSeq))
            .toList();
    String prev = GENESIS;
    long expected = 1;
    for (AuditEntry entry : sealed) {
      long seq = entry.chainSeq();
      if (seq != expected) {
        return Verification.broken(
            Math.min(seq, expected),
            seq > expected
                ? "entry " + expected + " is missing (the next entry is " + seq + ")"
                : "entry " + seq + " appears twice",
            sealed.size());
      }
      if (!prev.equals(entry.prevHash())) {
        return Verification.broken(
            seq, "entry " + seq + " does not follow its predecessor", sealed.size());
      }
      String recomputed = hash(prev, seq, entry);
      if (!recomputed.equals(entry.hash())) {
        return Verification.broken(seq, "entry " + seq + " was altered", sealed.size());
      }
      prev = recomputed;
      expected++;
    }
    long last = expected - 1;
    long covered = 0;
    for (AuditCheckpoint checkpoint : checkpoints) {
      if (publicKey != null && !signatureValid(publicKey, checkpoint)) {
        return Verification.broken(
            checkpoint.chainSeq(),
            "the checkpoint at entry " + checkpoint.chainSeq() + " has no valid signature",
            sealed.size());
      }
      if (checkpoint.chainSeq() > last) {
        return Verification.broken(
            last + 1,
            "the log was truncated: a signed checkpoint names entry "
                + checkpoint.chainSeq()
                + " but the log ends at "
                + last,
            sealed.size());
      }
      if (checkpoint.chainSeq() > 0
          && !sealed.get((int) checkpoint.chainSeq() - 1).hash().equals(checkpoint.hash())) {
        return Verification.broken(
            checkpoint.chainSeq(),
            "entry " + checkpoint.chainSeq() + " differs from its signed checkpoint",
            sealed.size());
      }
      covered = Math.max(covered, checkpoint.chainSeq());
    }
    if (covered < last) {
      return Verification.broken(
          covered + 1,
          "entries " + (covered + 1) + " to " + last + " are not covered by a signed checkpoint",
          sealed.size());
    }
    return Verification.ok(sealed.size());
  }

  static String sha256(String text) {
    return Sha256.hex(text);
  }
}
