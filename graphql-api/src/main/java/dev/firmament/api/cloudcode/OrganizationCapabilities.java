package dev.firmament.api.cloudcode;

import static dev.firmament.sql.generated.Tables.EVENTS;
import static dev.firmament.sql.generated.Tables.LEDGERS;
import static dev.firmament.sql.generated.Tables.LEDGER_INSTANCES;

import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.CallerPrincipal;
import dev.firmament.api.caller.Scope;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.ledger.LedgerService;
import dev.firmament.cloudcode.Capabilities;
import dev.firmament.cloudcode.Sandbox;
import dev.firmament.integrations.WebhookTargets;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * What a function may do, bound to its organization: publish events (source {@code code}, which no
 * function is triggered by), read the organization's ledgers' organization-scoped documents, and
 * write those of its cloud-to-device ledgers through the ledger service as the function itself
 * (actor {@code cloud-code:<name>/<function>}, so the audit of every ledger write names it).
 * Nothing of another organization can be named: every query carries the function's organization.
 */
final class OrganizationCapabilities implements Capabilities {
  static final int NOT_ALLOWED = -3;
  static final int TOO_LARGE = -4;
  static final int TOO_MANY = -5;
  private static final Pattern EVENT_NAME = Pattern.compile("[A-Za-z0-9_.:/-]{1,64}");

  private final DSLContext dsl;
  private final LedgerService ledgers;
  private final UUID organizationId;
  private final String actor;
  private final int maxPublishes;
  private final Http http;
  private int published;
  private int posted;

  /**
   * The HTTP a function may do.
   *
   * @param targets the URL prefixes it may post to
   * @param allowed the address ranges webhooks may reach although not public
   *     (firmament.webhooks.allowed-ranges)
   * @param timeout the most one post may take
   */
  record Http(List<String> targets, List<WebhookTargets.Range> allowed, Duration timeout) {}

  static final int MAX_POSTS = 3;
  static final int MAX_ANSWER = 16_384;
  static final int NO_ANSWER = -7;

  OrganizationCapabilities(
      DSLContext dsl,
      LedgerService ledgers,
      UUID organizationId,
      String actor,
      int maxPublishes,
      Http http) {
    this.http = http;
    this.dsl = dsl;
    this.ledgers = ledgers;
    this.organizationId = organizationId;
    this.actor = actor;
    this.maxPublishes = maxPublishes;
  }

  @Override
  public void log(String line) {
    // Kept in the run's record (Sandbox.Run.log).
  }

  @Override
  public void publish(String name, String data) {
    if (!EVENT_NAME.matcher(name).matches() || name.startsWith("firmament/")) {
      throw new Refused(
          NOT_ALLOWED,
          "an event name is 1 to 64 characters of [A-Za-z0-9_.:/-], not under firmament/: " + name);
    }
    if (data.length() > 1024) {
      throw new Refused(TOO_LARGE, "an event's data is at most 1024 characters");
    }
    if (published >= maxPublishes) {
      throw new Refused(TOO_MANY, "a run publishes at most " + maxPublishes + " events");
    }
    dsl.insertInto(EVENTS)
        .set(EVENTS.ORGANIZATION_ID, organizationId)
        .set(EVENTS.NAME, name)
        .set(EVENTS.DATA, data)
        .set(EVENTS.TTL_SECONDS, 86_400)
        .set(EVENTS.SCOPE, "private")
        .set(EVENTS.SOURCE, "code")
        .execute();
    published++;
  }

  /**
   * Posts to a target the function was given: its URL starts with one of the function's prefixes
   * and passes the webhooks' check against request forgery (again, now: a name may resolve
   * elsewhere than when it was given); no redirect is followed; at most {@value #MAX_POSTS} per
   * run, each within the time limit, at most {@value #MAX_ANSWER} bytes of the answer read.
   */
  @Override
  public HttpAnswer httpPost(String url, String body) {
    if (http.targets().stream().noneMatch(url::startsWith)) {
      throw new Refused(NOT_ALLOWED, url + " is not one of this function's HTTP targets");
    }
    if (posted >= MAX_POSTS) {
      throw new Refused(TOO_MANY, "a run posts at most " + MAX_POSTS + " times");
    }
    URI target;
    try {
      target = WebhookTargets.check(url, http.allowed(), InetAddress::getAllByName).uri();
    } catch (WebhookTargets.RefusedTarget refused) {
      throw new Refused(NOT_ALLOWED, refused.getMessage());
    }
    posted++;
    HttpClient client =
        HttpClient.newBuilder()
            .connectTimeout(http.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    try (client) {
      HttpResponse<InputStream> response =
          client.send(
              HttpRequest.newBuilder(target)
                  .timeout(http.timeout())
                  .header("content-type", "text/plain; charset=utf-8")
                  .header("user-agent", "Firmament-CloudCode/1")
                  .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = response.body()) {
        return new HttpAnswer(response.statusCode(), in.readNBytes(MAX_ANSWER));
      }
    } catch (IOException e) {
      throw new Refused(NO_ANSWER, "no answer from " + url + ": " + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Refused(NO_ANSWER, "interrupted while posting to " + url);
    }
  }

  @Override
  public Optional<String> ledgerGet(String ledger) {
    return dsl.select(LEDGER_INSTANCES.DATA)
        .from(LEDGER_INSTANCES)
        .join(LEDGERS)
        .on(LEDGERS.ID.eq(LEDGER_INSTANCES.LEDGER_ID))
        .where(LEDGERS.ORGANIZATION_ID.eq(organizationId))
        .and(LEDGER_INSTANCES.ORGANIZATION_ID.eq(organizationId))
        .and(LEDGERS.NAME.eq(ledger))
        .and(LEDGER_INSTANCES.PRODUCT_ID.isNull())
        .and(LEDGER_INSTANCES.DEVICE_ID.isNull())
        .fetchOptional(LEDGER_INSTANCES.DATA);
  }

  @Override
  public void ledgerSet(String ledger, String document) {
    SecurityContext before = SecurityContextHolder.getContext();
    SecurityContext context = SecurityContextHolder.createEmptyContext();
    CallerPrincipal principal =
        new CallerPrincipal(
            new Caller(
                organizationId,
                actor,
                Caller.Kind.SERVICE,
                null,
                null,
                null,
                EnumSet.of(Scope.DEVICES_READ, Scope.DEVICES_WRITE)));
    context.setAuthentication(
        UsernamePasswordAuthenticationToken.authenticated(
            principal, null, principal.getAuthorities()));
    SecurityContextHolder.setContext(context);
    try {
      ledgers.set(ledger, null, null, document, null);
    } catch (ApiException e) {
      throw new Refused(
          e.code() == ErrorCode.NOT_FOUND ? Sandbox.MISSING : NOT_ALLOWED, e.getMessage());
    } finally {
      SecurityContextHolder.setContext(before);
    }
  }
}
