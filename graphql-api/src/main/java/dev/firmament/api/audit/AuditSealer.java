package dev.firmament.api.audit;

import static dev.firmament.sql.generated.Tables.AUDIT_CHECKPOINTS;
import static dev.firmament.sql.generated.Tables.AUDIT_LOG;

import dev.firmament.manifest.SigningKeys;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Chains new audit entries, once a second: per organization, under a PostgreSQL advisory lock so
 * that one process seals at a time, it gives each unsealed entry the next sequence number, its
 * predecessor's hash and its own hash, and writes a checkpoint signed with the server's Ed25519 key
 * ({@code firmament.audit.private-key}) in the same transaction. Before extending a chain it checks
 * that the chain's head is the last signed checkpoint: a sealed entry written by anyone else stops
 * the sealing of that organization, loudly.
 */
@Component
public class AuditSealer {
  private static final Logger log = LoggerFactory.getLogger(AuditSealer.class);
  private static final long LOCK_NAMESPACE = 0x6175646974L; // "audit"

  /** How often a chain that stays broken is reported again. */
  private static final Duration REPEAT_BROKEN = Duration.ofHours(1);

  private final DSLContext dsl;
  private final AuditRepository audit;
  private final Map<UUID, Instant> reported = new ConcurrentHashMap<>();
  private final Optional<PrivateKey> key;

  public AuditSealer(
      DSLContext dsl,
      AuditRepository audit,
      @Value("${firmament.audit.private-key:}") String privateKey) {
    this.dsl = dsl;
    this.audit = audit;
    if (privateKey.isBlank()) {
      log.warn(
          "no audit key configured (firmament.audit.private-key): checkpoints are not signed,"
              + " so a rewritten log cannot be told from the original");
      this.key = Optional.empty();
    } else {
      this.key = Optional.of(SigningKeys.privateKey(privateKey));
    }
  }

  @Scheduled(fixedDelayString = "${firmament.audit.seal-interval:1s}")
  public void sealAll() {
    for (UUID organization : audit.organizationsWithUnsealed()) {
      try {
        seal(organization);
      } catch (BrokenChain e) {
        // Broken until someone verifies the log: said loudly, once an hour, not every second.
        Instant now = Instant.now();
        Instant last = reported.get(organization);
        if (last == null || now.isAfter(last.plus(REPEAT_BROKEN))) {
          reported.put(organization, now);
          log.error(
              "audit sealing stopped organization={} reason={}", organization, e.getMessage());
        }
      } catch (RuntimeException e) {
        log.error("audit sealing failed organization={}", organization, e);
      }
    }
  }

  /** Seals the organization's unsealed entries; returns how many. */
  public int seal(UUID organizationId) {
    return dsl.transactionResult(
        cfg -> {
          DSLContext t = DSL.using(cfg);
          t.execute(
              "select pg_advisory_xact_lock(?, hashtext(?))",
              (int) LOCK_NAMESPACE,
              organizationId.toString());
          Optional<AuditEntry> head = AuditRepository.head(t, organizationId);
          long seq = head.map(AuditEntry::chainSeq).orElse(0L);
          String prev = head.map(AuditEntry::hash).orElse(AuditChain.GENESIS);
          Long checkpointed =
              t.select(DSL.max(AUDIT_CHECKPOINTS.CHAIN_SEQ))
                  .from(AUDIT_CHECKPOINTS)
                  .where(AUDIT_CHECKPOINTS.ORGANIZATION_ID.eq(organizationId))
                  .fetchOne()
                  .value1();
          if (seq != (checkpointed == null ? 0 : checkpointed)) {
            throw new BrokenChain(
                "the audit chain's head (entry "
                    + seq
                    + ") is not its last checkpoint ("
                    + checkpointed
                    + "): entries were sealed outside the sealer; verify the log");
          }
          List<AuditEntry> unsealed =
              t.selectFrom(AUDIT_LOG)
                  .where(AUDIT_LOG.ORGANIZATION_ID.eq(organizationId))
                  .and(AUDIT_LOG.CHAIN_SEQ.isNull())
                  .orderBy(AUDIT_LOG.ID)
                  .forUpdate()
                  .fetch(AuditRepository::entry);
          for (AuditEntry entry : unsealed) {
            seq++;
            String hash = AuditChain.hash(prev, seq, entry);
            t.update(AUDIT_LOG)
                .set(AUDIT_LOG.CHAIN_SEQ, seq)
                .set(AUDIT_LOG.PREV_HASH, prev)
                .set(AUDIT_LOG.HASH, hash)
                .set(AUDIT_LOG.SEALED_AT, DSL.currentOffsetDateTime())
                .where(AUDIT_LOG.ID.eq(entry.id()))
                .execute();
            prev = hash;
          }
          if (!unsealed.isEmpty()) {
            AuditCheckpoint checkpoint = new AuditCheckpoint(organizationId, seq, prev, null);
            t.insertInto(AUDIT_CHECKPOINTS)
                .set(AUDIT_CHECKPOINTS.ORGANIZATION_ID, organizationId)
                .set(AUDIT_CHECKPOINTS.CHAIN_SEQ, seq)
                .set(AUDIT_CHECKPOINTS.HASH, prev)
                .set(
                    AUDIT_CHECKPOINTS.SIGNATURE,
                    key.map(k -> AuditChain.sign(k, checkpoint)).orElse(null))
                .execute();
          }
          return unsealed.size();
        });
  }

  /** The chain's head is not its last checkpoint: sealed entries were written by someone else. */
  static final class BrokenChain extends IllegalStateException {
    BrokenChain(String message) {
      super(message);
    }
  }
}
