package dev.firmament.api.audit;

import java.util.UUID;

/** The signed head of an organization's chain: its last sequence number and hash. */
public record AuditCheckpoint(UUID organizationId, long chainSeq, String hash, String signature) {}
