package dev.firmament.api.cloudcode;

import static dev.firmament.sql.generated.Tables.CLOUD_CODE_FUNCTIONS;
import static dev.firmament.sql.generated.Tables.CLOUD_CODE_FUNCTION_DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.EVENTS;
import static dev.firmament.sql.generated.Tables.LEDGERS;
import static dev.firmament.sql.generated.Tables.LEDGER_INSTANCES;

import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.CallerPrincipal;
import dev.firmament.api.caller.Scope;
import dev.firmament.api.cloud.DeviceCalls;
import dev.firmament.api.cloud.FunctionCall;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.ledger.LedgerService;
import dev.firmament.cloudcode.Capabilities;
import dev.firmament.cloudcode.Sandbox;
import dev.firmament.integrations.WebhookTargets;
import dev.firmament.protocol.CloudCall;
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
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * What a function may do, bound to its organization: publish events (source {@code code}, which no
 * function is triggered by), read the organization's ledgers' organization-scoped documents, write
 * those of its cloud-to-device ledgers through the ledger service, and call functions of the
 * devices its allowance names through the API's device calls, both as the function itself (actor
 * {@code cloud-code:<name>/<function>}, so the audit of every ledger write and the record of every
 * device call name it). Nothing of another organization can be named: every query carries the
 * function's organization.
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
  static final int OFFLINE = -8;
  static final int DEVICE_REFUSED = -9;
  static final int UNAVAILABLE = -10;

  /**
   * The devices a function may call.
   *
   * @param calls the API's device calls, which send every call and record it
   * @param functionId the function, whose allowance is read at its first call
   * @param maxCalls the most calls one run may make (firmament.cloud-code.max-device-calls),
   *     whatever the function was given
   */
  record Devices(DeviceCalls calls, UUID functionId, int maxCalls) {}

  /** A function's allowance: devices by id, the devices of products, and calls a run. */
  private record Allowance(Set<String> deviceIds, Set<UUID> productIds, int maxPerRun) {}

  private final Devices devices;
  private Allowance allowance;
  private int called;

  OrganizationCapabilities(
      DSLContext dsl,
      LedgerService ledgers,
      UUID organizationId,
      String actor,
      int maxPublishes,
      Http http,
      Devices devices) {
    this.http = http;
    this.devices = devices;
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
  public HttpAnswer httpPost(String url, String body, Duration within) {
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
    // Bounded by the setting and by what is left of the run: a post late in a run ends with it.
    Duration timeout = within.compareTo(http.timeout()) < 0 ? within : http.timeout();
    HttpClient client =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    try (client) {
      HttpResponse<InputStream> response =
          client.send(
              HttpRequest.newBuilder(target)
                  .timeout(timeout)
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

  /**
   * Calls a function of a device of the organization that the function's allowance names (by id or
   * by its product), through the API's device calls as the function: recorded as any call is, sent
   * over the broker and answered by the device, or answered at once when the device is offline. At
   * most the allowance's calls a run (and never more than {@code max-device-calls}); the wait is
   * what is left of the run's time when that is shorter than the call timeout. A device of another
   * organization is refused as a missing one is, in the same words.
   */
  @Override
  public int callFunction(String deviceId, String function, String argument, Duration within) {
    Allowance allowed = allowance();
    if (allowed.maxPerRun() == 0) {
      throw new Refused(NOT_ALLOWED, "this function was given no devices it may call");
    }
    int bytes = argument.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > CloudCall.MAX_ARGUMENT_BYTES) {
      throw new Refused(
          TOO_LARGE,
          "an argument is at most " + CloudCall.MAX_ARGUMENT_BYTES + " bytes, this one " + bytes);
    }
    try {
      new CloudCall.Function(function, argument);
    } catch (IllegalArgumentException e) {
      // No device can declare it: it is missing wherever the function looks.
      throw new Refused(Sandbox.MISSING, "not a function's name: " + e.getMessage());
    }
    UUID productId =
        dsl.select(DEVICES.PRODUCT_ID)
            .from(DEVICES)
            .where(DEVICES.ORGANIZATION_ID.eq(organizationId))
            .and(DEVICES.ID.eq(deviceId))
            .fetchOptional(DEVICES.PRODUCT_ID)
            .orElseThrow(
                () ->
                    new Refused(Sandbox.MISSING, "no device " + deviceId + " in the organization"));
    if (!allowed.deviceIds().contains(deviceId) && !allowed.productIds().contains(productId)) {
      throw new Refused(NOT_ALLOWED, "device " + deviceId + " is not one this function may call");
    }
    int most = Math.min(allowed.maxPerRun(), devices.maxCalls());
    if (called >= most) {
      throw new Refused(
          TOO_MANY, "a run of this function calls devices at most " + most + " times");
    }
    called++;
    DeviceCalls.Ended<FunctionCall> ended;
    try {
      CompletableFuture<DeviceCalls.Ended<FunctionCall>> call =
          asFunction(() -> devices.calls().callFunction(deviceId, function, argument, within));
      // The call times out by itself within this, but its record is written before it completes:
      // the run does not wait for that past its own time (the record is written all the same).
      ended = call.get(within.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ApiException e) {
      throw refusal(e);
    } catch (TimeoutException e) {
      throw new Refused(
          NO_ANSWER, "device " + deviceId + " did not answer " + function + " in the run's time");
    } catch (ExecutionException e) {
      throw new Refused(
          UNAVAILABLE,
          "the call to device " + deviceId + " failed: " + e.getCause().getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Refused(NO_ANSWER, "interrupted while waiting for device " + deviceId);
    }
    if (ended.error() != null) {
      throw refusal(ended.error());
    }
    Integer value = ended.value().returnValue();
    if (value == null) {
      // A reply that says it ran the function but carries no return value.
      throw new Refused(
          DEVICE_REFUSED, "device " + deviceId + " answered " + function + " with no value");
    }
    return value;
  }

  /** A device call's error as the function sees it. */
  private static Refused refusal(ApiException e) {
    int code =
        switch (e.code()) {
          case NOT_FOUND -> Sandbox.MISSING;
          case DEVICE_OFFLINE -> OFFLINE;
          case DEADLINE_EXCEEDED -> NO_ANSWER;
          case INVALID_ARGUMENT, FAILED_PRECONDITION, DEVICE_ERROR -> DEVICE_REFUSED;
          default -> UNAVAILABLE;
        };
    return new Refused(code, e.getMessage());
  }

  private Allowance allowance() {
    if (allowance == null) {
      int maxPerRun =
          dsl.select(CLOUD_CODE_FUNCTIONS.MAX_DEVICE_CALLS)
              .from(CLOUD_CODE_FUNCTIONS)
              .where(CLOUD_CODE_FUNCTIONS.ID.eq(devices.functionId()))
              .and(CLOUD_CODE_FUNCTIONS.ORGANIZATION_ID.eq(organizationId))
              .fetchOptional(CLOUD_CODE_FUNCTIONS.MAX_DEVICE_CALLS)
              .orElse(0);
      Set<String> deviceIds = new HashSet<>();
      Set<UUID> productIds = new HashSet<>();
      dsl.select(CLOUD_CODE_FUNCTION_DEVICES.DEVICE_ID, CLOUD_CODE_FUNCTION_DEVICES.PRODUCT_ID)
          .from(CLOUD_CODE_FUNCTION_DEVICES)
          .where(CLOUD_CODE_FUNCTION_DEVICES.FUNCTION_ID.eq(devices.functionId()))
          .and(CLOUD_CODE_FUNCTION_DEVICES.ORGANIZATION_ID.eq(organizationId))
          .forEach(
              r -> {
                if (r.value1() != null) {
                  deviceIds.add(r.value1());
                } else {
                  productIds.add(r.value2());
                }
              });
      allowance = new Allowance(Set.copyOf(deviceIds), Set.copyOf(productIds), maxPerRun);
    }
    return allowance;
  }

  @Override
  public void ledgerSet(String ledger, String document) {
    try {
      asFunction(
          () -> {
            ledgers.set(ledger, null, null, document, null);
            return null;
          });
    } catch (ApiException e) {
      throw new Refused(
          e.code() == ErrorCode.NOT_FOUND ? Sandbox.MISSING : NOT_ALLOWED, e.getMessage());
    }
  }

  /**
   * Runs {@code work} as the function: a service caller of its organization with the devices
   * scopes, which the services it goes through read (the organization, and the actor they record).
   */
  private <T> T asFunction(Supplier<T> work) {
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
      return work.get();
    } finally {
      SecurityContextHolder.setContext(before);
    }
  }
}
