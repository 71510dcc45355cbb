package dev.firmament.api.audit;

import dev.firmament.api.audit.AuditChain.Verification;
import dev.firmament.api.tenant.Login;
import java.time.OffsetDateTime;
import org.springframework.context.annotation.Configuration;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.stereotype.Controller;

/** {@code Login.auditLog} and {@code Login.auditVerification} (audit.graphqls). */
@Controller
public class AuditController {
  private final AuditService service;

  public AuditController(AuditService service) {
    this.service = service;
  }

  public record AuditFilter(
      String actor, String action, OffsetDateTime since, OffsetDateTime until) {}

  @SchemaMapping(typeName = "Login")
  public AuditService.AuditPage auditLog(
      Login login, @Argument Integer from, @Argument Integer size, @Argument AuditFilter filter) {
    AuditFilter f = filter == null ? new AuditFilter(null, null, null, null) : filter;
    return service.page(
        from, size, new AuditRepository.Filter(f.actor(), f.action(), f.since(), f.until()));
  }

  @SchemaMapping(typeName = "Login")
  public Verification auditVerification(Login login) {
    return service.verify();
  }

  /** The sealer runs on Spring's scheduler. */
  @Configuration(proxyBeanMethods = false)
  @EnableScheduling
  static class Scheduling {}
}
