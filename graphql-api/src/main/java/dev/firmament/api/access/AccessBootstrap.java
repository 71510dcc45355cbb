package dev.firmament.api.access;

import dev.firmament.api.access.AccessModel.IssuedToken;
import dev.firmament.api.access.AccessModel.User;
import dev.firmament.api.audit.AuditRepository;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Role;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;
import org.springframework.stereotype.Component;

/**
 * Makes a fresh database usable: creates the configured organization and, when an owner email is
 * configured, that user as its owner. With a token file configured it writes an owner token there
 * (file mode 0600), keeping the file's token while it is still valid. Safe to run from several
 * processes at once.
 */
@Component
public class AccessBootstrap implements ApplicationRunner {
  private static final Logger log = LoggerFactory.getLogger(AccessBootstrap.class);

  private final AccessRepository access;
  private final AccessService service;
  private final TokenIntrospector introspector;
  private final AuditRepository audit;
  private final String slug;
  private final String ownerEmail;
  private final String tokenFile;

  public AccessBootstrap(
      AccessRepository access,
      AccessService service,
      TokenIntrospector introspector,
      AuditRepository audit,
      @Value("${firmament.bootstrap.organization:default}") String slug,
      @Value("${firmament.bootstrap.owner-email:}") String ownerEmail,
      @Value("${firmament.bootstrap.token-file:}") String tokenFile) {
    this.access = access;
    this.service = service;
    this.introspector = introspector;
    this.audit = audit;
    this.slug = slug;
    this.ownerEmail = ownerEmail;
    this.tokenFile = tokenFile;
  }

  @Override
  public void run(ApplicationArguments args) {
    UUID organizationId = access.ensureOrganization(slug, slug);
    log.info("organization ready slug={} id={}", slug, organizationId);
    if (ownerEmail.isBlank()) {
      return;
    }
    User owner = ensureMember(organizationId, ownerEmail, Role.OWNER);
    if (!tokenFile.isBlank()) {
      writeTokenFile(Path.of(tokenFile), organizationId, owner);
    }
  }

  /** The user with this email as a member with this role (added or changed). */
  public User ensureMember(UUID organizationId, String email, Role role) {
    User user = access.ensureUser(email, email);
    access.putMember(organizationId, user.id(), role.value());
    return user;
  }

  /**
   * Issues a token for a member of an organization created on the way, with every scope the role
   * grants: for the demo's own client and for tests.
   */
  public String issueToken(String organizationSlug, String email, Role role, String name) {
    UUID organizationId = access.ensureOrganization(organizationSlug, organizationSlug);
    User user = ensureMember(organizationId, email, role);
    IssuedToken token =
        service.issueForMember(
            organizationId,
            user.id(),
            name,
            EnumSet.copyOf(role.scopes()),
            AccessService.MAX_EXPIRY_DAYS,
            "bootstrap");
    return token.token();
  }

  private void writeTokenFile(Path file, UUID organizationId, User owner) {
    try {
      if (Files.isRegularFile(file)) {
        String existing = Files.readString(file).strip();
        try {
          Caller caller = introspector.resolve(existing);
          if (caller.organizationId().equals(organizationId)) {
            log.info("owner token kept file={}", file);
            return;
          }
        } catch (BadOpaqueTokenException e) {
          log.info(
              "owner token in {} is no longer valid ({}); issuing a new one", file, e.getMessage());
        }
      }
      IssuedToken token =
          service.issueForMember(
              organizationId,
              owner.id(),
              "bootstrap owner token",
              EnumSet.copyOf(Role.OWNER.scopes()),
              AccessService.MAX_EXPIRY_DAYS,
              "bootstrap");
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      Path temp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.deleteIfExists(temp);
      Files.createFile(
          temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(temp, token.token() + "\n", StandardOpenOption.TRUNCATE_EXISTING);
      Files.move(
          temp,
          file,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      log.info("owner token written file={} prefix={}", file, token.apiToken().prefix());
      audit.append(
          organizationId,
          "bootstrap",
          "bootstrap.tokenIssued",
          "credential:" + token.apiToken().prefix(),
          "{\"holder\":\"" + owner.email() + "\",\"file\":\"" + file.getFileName() + "\"}");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the owner token to " + file, e);
    }
  }
}
