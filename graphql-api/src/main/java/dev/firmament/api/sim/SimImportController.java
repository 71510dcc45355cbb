package dev.firmament.api.sim;

import dev.firmament.api.audit.AuditRepository;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/sims/import} with a {@code text/csv} body (UTF-8): the same import as {@code
 * importSIMs}, for the CLI and scripts that send a file as it is. It answers {@code {imported}}, or
 * the error body {@code {code, message, rows}} with the same rows as the GraphQL error's
 * extensions. The body is read up to the import's limit and no further.
 */
@RestController
public class SimImportController {
  private final Sims sims;
  private final AuditRepository audit;

  public SimImportController(Sims sims, AuditRepository audit) {
    this.sims = sims;
    this.audit = audit;
  }

  public record Imported(int imported) {}

  @PostMapping(
      path = "/api/v1/sims/import",
      consumes = {"text/csv", MediaType.TEXT_PLAIN_VALUE},
      produces = MediaType.APPLICATION_JSON_VALUE)
  public Imported importCsv(HttpServletRequest request) throws IOException {
    if (request.getContentLengthLong() > 4L * Sims.MAX_IMPORT_CHARACTERS) {
      throw tooLarge();
    }
    StringBuilder csv = new StringBuilder();
    try (Reader reader = new InputStreamReader(request.getInputStream(), StandardCharsets.UTF_8)) {
      char[] buffer = new char[8192];
      int n;
      while ((n = reader.read(buffer)) > 0) {
        csv.append(buffer, 0, n);
        if (csv.length() > Sims.MAX_IMPORT_CHARACTERS) {
          throw tooLarge();
        }
      }
    }
    // Audited as importSIMs is (MutationAudit covers GraphQL only): the file's size, the outcome.
    String summary =
        "\"[" + csv.length() + " characters, " + csv.toString().lines().count() + " lines]\"";
    try {
      int imported = sims.importCsv(csv.toString());
      record(summary, "ok");
      return new Imported(imported);
    } catch (RuntimeException e) {
      // A refusal of the caller's scope is recorded too, as MutationAudit records GraphQL's.
      record(
          summary,
          e instanceof ApiException api ? api.code().name() : e.getClass().getSimpleName());
      throw e;
    }
  }

  private void record(String summary, String outcome) {
    Caller caller = Callers.find().orElse(null);
    if (caller != null) {
      audit.append(
          caller.organizationId(),
          caller.actor(),
          "importSIMs",
          null,
          "{\"outcome\":\"" + outcome + "\",\"input\":{\"csv\":" + summary + "},\"via\":\"rest\"}");
    }
  }

  private static ApiException tooLarge() {
    return new ApiException(
        ErrorCode.TOO_LARGE,
        "an import takes at most " + Sims.MAX_IMPORT_CHARACTERS + " characters (split the file)");
  }
}
