package dev.firmament.api.audit;

import dev.firmament.api.Pagination;
import dev.firmament.api.audit.AuditChain.Verification;
import dev.firmament.api.caller.Callers;
import dev.firmament.manifest.SigningKeys;
import java.security.PublicKey;
import java.util.List;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.stereotype.Service;

/** Reading and verifying the caller's organization's audit log (scope {@code audit:read}). */
@Service
public class AuditService {
  private final AuditRepository audit;
  private final PublicKey publicKey;

  public AuditService(
      AuditRepository audit, @Value("${firmament.audit.public-key:}") String publicKey) {
    this.audit = audit;
    this.publicKey = publicKey.isBlank() ? null : SigningKeys.publicKey(publicKey);
  }

  /** One page of entries, newest first. */
  public record AuditPage(int total, boolean hasMore, Integer last, List<AuditEntry> items) {}

  @PreAuthorize("hasAuthority('SCOPE_audit:read')")
  public AuditPage page(Integer from, Integer size, AuditRepository.Filter filter) {
    UUID organizationId = Callers.current().organizationId();
    Pagination.Window window = Pagination.fromSize(from, size);
    int total = audit.count(organizationId, filter);
    List<AuditEntry> items = audit.page(organizationId, filter, window.offset(), window.limit());
    Integer last = items.isEmpty() ? null : window.offset() + items.size() - 1;
    return new AuditPage(total, window.offset() + items.size() < total, last, items);
  }

  /** Every entry and checkpoint of the caller's organization. */
  public record Export(List<AuditEntry> entries, List<AuditCheckpoint> checkpoints) {}

  @PreAuthorize("hasAuthority('SCOPE_audit:read')")
  public Export export() {
    UUID organizationId = Callers.current().organizationId();
    return new Export(audit.all(organizationId), audit.checkpoints(organizationId));
  }

  /** Verifies the organization's whole chain against its signed checkpoints. */
  @PreAuthorize("hasAuthority('SCOPE_audit:read')")
  public Verification verify() {
    UUID organizationId = Callers.current().organizationId();
    return AuditChain.verify(
        audit.all(organizationId), audit.checkpoints(organizationId), publicKey);
  }
}
