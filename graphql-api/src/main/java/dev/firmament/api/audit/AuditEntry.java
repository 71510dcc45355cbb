package dev.firmament.api.audit;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * One entry of an organization's audit log; {@code chainSeq}, {@code prevHash} and {@code hash} are
 * null until the sealer chains it.
 */
public record AuditEntry(
    long id,
    UUID organizationId,
    OffsetDateTime occurredAt,
    String actor,
    String action,
    String target,
    String details,
    Long chainSeq,
    String prevHash,
    String hash) {}
