package dev.firmament.api.audit;

import static dev.firmament.sql.generated.Tables.AUDIT_CHECKPOINTS;
import static dev.firmament.sql.generated.Tables.AUDIT_LOG;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Repository;

/** The audit log and its checkpoints; every read names its organization. */
@Repository
public class AuditRepository {
  private final DSLContext dsl;

  public AuditRepository(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** Appends an entry; the sealer chains it within about a second. */
  public void append(
      UUID organizationId, String actor, String action, String target, String details) {
    dsl.insertInto(AUDIT_LOG)
        .set(AUDIT_LOG.ORGANIZATION_ID, organizationId)
        .set(AUDIT_LOG.ACTOR, clip(actor, 320))
        .set(AUDIT_LOG.ACTION, clip(action, 100))
        .set(AUDIT_LOG.TARGET, target == null ? null : clip(target, 200))
        .set(AUDIT_LOG.DETAILS, details == null ? null : clip(details, 8000))
        .execute();
  }

  /** A filter of the audit log's reads; null fields do not filter. */
  public record Filter(String actor, String action, OffsetDateTime since, OffsetDateTime until) {
    Condition condition() {
      Condition c = DSL.trueCondition();
      if (actor != null) {
        c = c.and(AUDIT_LOG.ACTOR.eq(actor));
      }
      if (action != null) {
        c = c.and(AUDIT_LOG.ACTION.eq(action));
      }
      if (since != null) {
        c = c.and(AUDIT_LOG.OCCURRED_AT.ge(since));
      }
      if (until != null) {
        c = c.and(AUDIT_LOG.OCCURRED_AT.lt(until));
      }
      return c;
    }
  }

  public int count(UUID organizationId, Filter filter) {
    return dsl.fetchCount(
        AUDIT_LOG, AUDIT_LOG.ORGANIZATION_ID.eq(organizationId).and(filter.condition()));
  }

  /** Newest first. */
  public List<AuditEntry> page(UUID organizationId, Filter filter, int offset, int limit) {
    return dsl.selectFrom(AUDIT_LOG)
        .where(AUDIT_LOG.ORGANIZATION_ID.eq(organizationId).and(filter.condition()))
        .orderBy(AUDIT_LOG.ID.desc())
        .offset(offset)
        .limit(limit)
        .fetch(AuditRepository::entry);
  }

  /** Every entry of the organization in order of appending, for export and verification. */
  public List<AuditEntry> all(UUID organizationId) {
    return dsl.selectFrom(AUDIT_LOG)
        .where(AUDIT_LOG.ORGANIZATION_ID.eq(organizationId))
        .orderBy(AUDIT_LOG.ID)
        .fetch(AuditRepository::entry);
  }

  public List<AuditCheckpoint> checkpoints(UUID organizationId) {
    return dsl.selectFrom(AUDIT_CHECKPOINTS)
        .where(AUDIT_CHECKPOINTS.ORGANIZATION_ID.eq(organizationId))
        .orderBy(AUDIT_CHECKPOINTS.CHAIN_SEQ)
        .fetch(
            r ->
                new AuditCheckpoint(
                    r.getOrganizationId(), r.getChainSeq(), r.getHash(), r.getSignature()));
  }

  List<UUID> organizationsWithUnsealed() {
    return dsl.selectDistinct(AUDIT_LOG.ORGANIZATION_ID)
        .from(AUDIT_LOG)
        .where(AUDIT_LOG.CHAIN_SEQ.isNull())
        .fetch(AUDIT_LOG.ORGANIZATION_ID);
  }

  static AuditEntry entry(Record r) {
    return new AuditEntry(
        r.get(AUDIT_LOG.ID),
        r.get(AUDIT_LOG.ORGANIZATION_ID),
        r.get(AUDIT_LOG.OCCURRED_AT),
        r.get(AUDIT_LOG.ACTOR),
        r.get(AUDIT_LOG.ACTION),
        r.get(AUDIT_LOG.TARGET),
        r.get(AUDIT_LOG.DETAILS),
        r.get(AUDIT_LOG.CHAIN_SEQ),
        r.get(AUDIT_LOG.PREV_HASH),
        r.get(AUDIT_LOG.HASH));
  }

  static Optional<AuditEntry> head(DSLContext t, UUID organizationId) {
    return t.selectFrom(AUDIT_LOG)
        .where(AUDIT_LOG.ORGANIZATION_ID.eq(organizationId))
        .and(AUDIT_LOG.CHAIN_SEQ.isNotNull())
        .orderBy(AUDIT_LOG.CHAIN_SEQ.desc())
        .limit(1)
        .fetchOptional(AuditRepository::entry);
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }
}
