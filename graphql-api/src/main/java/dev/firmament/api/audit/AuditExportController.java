package dev.firmament.api.audit;

import java.nio.charset.StandardCharsets;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/audit/export}: the caller's organization's audit log as JSON lines. */
@RestController
public class AuditExportController {
  private final AuditService service;

  public AuditExportController(AuditService service) {
    this.service = service;
  }

  @GetMapping(value = "/api/v1/audit/export", produces = "application/x-ndjson")
  public ResponseEntity<byte[]> export() {
    StringBuilder out = new StringBuilder();
    AuditService.Export export = service.export();
    export.entries().forEach(e -> out.append(AuditExport.line(e)).append('\n'));
    export.checkpoints().forEach(c -> out.append(AuditExport.line(c)).append('\n'));
    return ResponseEntity.ok()
        .contentType(MediaType.parseMediaType("application/x-ndjson"))
        .body(out.toString().getBytes(StandardCharsets.UTF_8));
  }
}
