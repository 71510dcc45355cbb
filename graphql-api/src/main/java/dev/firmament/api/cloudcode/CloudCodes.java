package dev.firmament.api.cloudcode;

import static dev.firmament.sql.generated.Tables.CLOUD_CODE;
import static dev.firmament.sql.generated.Tables.CLOUD_CODE_FUNCTIONS;
import static dev.firmament.sql.generated.Tables.CLOUD_CODE_FUNCTION_DEVICES;
import static dev.firmament.sql.generated.Tables.CLOUD_CODE_RUNS;
import static dev.firmament.sql.generated.Tables.CLOUD_CODE_VERSIONS;
import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.PRODUCTS;

import dev.firmament.api.Ids;
import dev.firmament.api.Names;
import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.UniqueViolations;
import dev.firmament.api.event.EventStreams;
import dev.firmament.api.live.ChangeCursor;
import dev.firmament.api.live.ChangeEventRepository;
import dev.firmament.api.webhook.WebhookProperties;
import dev.firmament.cloudcode.CloudCodeException;
import dev.firmament.cloudcode.CloudCodeModule;
import dev.firmament.cloudcode.Sandbox;
import dev.firmament.integrations.WebhookTargets;
import dev.firmament.manifest.Sha256;
import dev.firmament.sql.generated.tables.records.CloudCodeFunctionsRecord;
import dev.firmament.sql.generated.tables.records.CloudCodeRecord;
import dev.firmament.sql.generated.tables.records.CloudCodeRunsRecord;
import dev.firmament.sql.generated.tables.records.CloudCodeVersionsRecord;
import java.net.InetAddress;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SelectConditionStep;
import org.springframework.stereotype.Service;

/**
 * An organization's cloud code: modules deployed (each deployment a new version, checked before it
 * is stored), the functions that run their handlers, and their runs. A refusal writes nothing.
 */
@Service
public class CloudCodes {
  static final int MAX_TARGETS = 10;
  static final int MAX_ALLOWED = 100;
  private final DSLContext dsl;
  private final WebhookProperties webhooks;
  private final EventStreams streams;
  private final ChangeEventRepository changes;
  private final CloudCodeProperties properties;
  private final CloudCodeRunner runner;
  private final CloudCodeOutbox outbox;

  public CloudCodes(
      DSLContext dsl,
      EventStreams streams,
      ChangeEventRepository changes,
      CloudCodeProperties properties,
      CloudCodeRunner runner,
      CloudCodeOutbox outbox,
      WebhookProperties webhooks) {
    this.dsl = dsl;
    this.webhooks = webhooks;
    this.streams = streams;
    this.changes = changes;
    this.properties = properties;
    this.runner = runner;
    this.outbox = outbox;
  }

  /**
   * Deploys a module under a name: the first version, or the next one. Functions run the new
   * version from their next run; a version that lacks a handler a function uses is refused.
   */
  public CloudCode deploy(String name, String moduleBase64) {
    Caller caller = Callers.current();
    String trimmed = Names.check(name);
    byte[] wasm;
    try {
      wasm = Base64.getDecoder().decode(moduleBase64 == null ? "" : moduleBase64.strip());
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("module is the WebAssembly binary in base64");
    }
    if (wasm.length > CloudCodeModule.MAX_BYTES) {
      throw new ApiException(
          ErrorCode.TOO_LARGE, "a module has at most " + CloudCodeModule.MAX_BYTES + " bytes");
    }
    CloudCodeModule module;
    try {
      module = CloudCodeModule.load(wasm, properties.memoryPages());
    } catch (CloudCodeException e) {
      throw ApiException.invalid("module: " + e.getMessage());
    }
    List<String> handlers = module.handlers().stream().sorted().toList();
    UUID id =
        dsl.transactionResult(
            configuration -> {
              DSLContext tx = configuration.dsl();
              CloudCodeRecord existing =
                  tx.selectFrom(CLOUD_CODE)
                      .where(CLOUD_CODE.ORGANIZATION_ID.eq(caller.organizationId()))
                      .and(CLOUD_CODE.NAME.eq(trimmed))
                      .forUpdate()
                      .fetchOne();
              UUID codeId = existing == null ? UUID.randomUUID() : existing.getId();
              int version = existing == null ? 1 : existing.getVersion() + 1;
              if (existing == null) {
                try {
                  tx.insertInto(CLOUD_CODE)
                      .set(CLOUD_CODE.ID, codeId)
                      .set(CLOUD_CODE.ORGANIZATION_ID, caller.organizationId())
                      .set(CLOUD_CODE.NAME, trimmed)
                      .set(CLOUD_CODE.VERSION, version)
                      .set(CLOUD_CODE.CREATED_BY, caller.actor())
                      .execute();
                } catch (RuntimeException e) {
                  if (UniqueViolations.isUniqueViolation(e)) {
                    throw new ApiException(
                        ErrorCode.CONFLICT, "cloud code " + trimmed + " was deployed meanwhile", e);
                  }
                  throw e;
                }
              } else {
                List<String> missing =
                    tx
                        .select(CLOUD_CODE_FUNCTIONS.NAME, CLOUD_CODE_FUNCTIONS.HANDLER)
                        .from(CLOUD_CODE_FUNCTIONS)
                        .where(CLOUD_CODE_FUNCTIONS.CLOUD_CODE_ID.eq(codeId))
                        .fetch()
                        .stream()
                        .filter(r -> !handlers.contains(r.value2()))
                        .map(r -> r.value1() + " (" + r.value2() + ")")
                        .toList();
                if (!missing.isEmpty()) {
                  throw new ApiException(
                      ErrorCode.FAILED_PRECONDITION,
                      "the new version lacks handlers its functions use: "
                          + String.join(", ", missing));
                }
                tx.update(CLOUD_CODE)
                    .set(CLOUD_CODE.VERSION, version)
                    .set(CLOUD_CODE.UPDATED_AT, OffsetDateTime.now())
                    .where(CLOUD_CODE.ID.eq(codeId))
                    .execute();
              }
              tx.insertInto(CLOUD_CODE_VERSIONS)
                  .set(CLOUD_CODE_VERSIONS.CLOUD_CODE_ID, codeId)
                  .set(CLOUD_CODE_VERSIONS.ORGANIZATION_ID, caller.organizationId())
                  .set(CLOUD_CODE_VERSIONS.VERSION, version)
                  .set(CLOUD_CODE_VERSIONS.MODULE, wasm)
                  .set(CLOUD_CODE_VERSIONS.SHA256, Sha256.hex(Sha256.digest(wasm)))
                  .set(CLOUD_CODE_VERSIONS.SIZE_BYTES, wasm.length)
                  .set(CLOUD_CODE_VERSIONS.HANDLERS, String.join(" ", handlers))
                  .set(CLOUD_CODE_VERSIONS.DEPLOYED_BY, caller.actor())
                  .execute();
              return codeId;
            });
    return find(caller.organizationId(), id.toString());
  }

  /** A function of a deployment: a handler run on events ({@code EVENT}) or on a schedule. */
  public CloudCode.Function createFunction(
      String cloudCodeId,
      String name,
      String handler,
      String trigger,
      EventStreams.StreamFilter filter,
      Integer everySeconds,
      List<String> httpTargets,
      DeviceCallsInput deviceCalls) {
    Caller caller = Callers.current();
    CloudCode code = find(caller.organizationId(), cloudCodeId);
    String trimmed = Names.check(name);
    if (handler == null || !code.handlers().contains(handler)) {
      throw ApiException.invalid(
          "handler must be one of version " + code.version() + "'s: " + code.handlers());
    }
    boolean scheduled = "SCHEDULE".equals(trigger);
    if (!scheduled && !"EVENT".equals(trigger)) {
      throw ApiException.invalid("trigger is EVENT or SCHEDULE");
    }
    EventStreams.Checked checked = null;
    if (scheduled) {
      if (everySeconds == null || everySeconds < 60 || everySeconds > 2_678_400) {
        throw ApiException.invalid("a schedule runs every 60 to 2678400 seconds (31 days)");
      }
      if (filter != null) {
        throw ApiException.invalid("a scheduled function has no event filter");
      }
    } else {
      if (everySeconds != null) {
        throw ApiException.invalid("an event function has no everySeconds");
      }
      checked = streams.check(caller.organizationId(), filter);
      if ("CODE".equals(checked.source())) {
        throw ApiException.invalid(
            "no function runs on the events cloud code published (source CODE)");
      }
    }
    String targets = checkTargets(httpTargets);
    Allowance allowance = checkDeviceCalls(caller.organizationId(), deviceCalls);
    UUID id = UUID.randomUUID();
    ChangeCursor head = changes.head();
    CloudCodeFunctionsRecord f = new CloudCodeFunctionsRecord();
    f.setId(id);
    f.setOrganizationId(caller.organizationId());
    f.setCloudCodeId(UUID.fromString(code.id()));
    f.setName(trimmed);
    f.setHandler(handler);
    f.setTrigger(scheduled ? "SCHEDULE" : "EVENT");
    if (checked != null) {
      f.setNamePrefix(checked.namePrefix());
      f.setDeviceId(checked.deviceId());
      f.setProductId(checked.productId());
      f.setSource(checked.source());
    }
    if (scheduled) {
      f.setEverySeconds(everySeconds);
      f.setNextRunAt(OffsetDateTime.now().plusSeconds(everySeconds));
    }
    f.setHttpTargets(targets);
    f.setMaxDeviceCalls(allowance.maxPerRun());
    f.setStartsAfterTx(head.tx());
    f.setStartsAfterId(head.id());
    f.setCreatedBy(caller.actor());
    try {
      // The function and its allowance together: a function is never seen without it.
      dsl.transaction(
          configuration -> {
            DSLContext tx = configuration.dsl();
            tx.insertInto(CLOUD_CODE_FUNCTIONS).set(f).execute();
            for (String deviceId : allowance.deviceIds()) {
              tx.insertInto(CLOUD_CODE_FUNCTION_DEVICES)
                  .set(CLOUD_CODE_FUNCTION_DEVICES.ORGANIZATION_ID, caller.organizationId())
                  .set(CLOUD_CODE_FUNCTION_DEVICES.FUNCTION_ID, id)
                  .set(CLOUD_CODE_FUNCTION_DEVICES.DEVICE_ID, deviceId)
                  .execute();
            }
            for (UUID productId : allowance.productIds()) {
              tx.insertInto(CLOUD_CODE_FUNCTION_DEVICES)
                  .set(CLOUD_CODE_FUNCTION_DEVICES.ORGANIZATION_ID, caller.organizationId())
                  .set(CLOUD_CODE_FUNCTION_DEVICES.FUNCTION_ID, id)
                  .set(CLOUD_CODE_FUNCTION_DEVICES.PRODUCT_ID, productId)
                  .execute();
            }
          });
    } catch (RuntimeException e) {
      if (UniqueViolations.isUniqueViolation(e)) {
        throw new ApiException(
            ErrorCode.ALREADY_EXISTS,
            "cloud code " + code.name() + " has a function " + trimmed,
            e);
      }
      throw e;
    }
    return function(caller.organizationId(), id.toString());
  }

  /** {@code CloudCodeDeviceCallsInput}. */
  public record DeviceCallsInput(
      List<String> deviceIds, List<String> productIds, Integer maxPerRun) {}

  /** An allowance checked: devices and products of the organization, and calls a run. */
  private record Allowance(Set<String> deviceIds, Set<UUID> productIds, int maxPerRun) {
    static final Allowance NONE = new Allowance(Set.of(), Set.of(), 0);
  }

  /**
   * The devices a function may call, as given: at least one device or product, at most {@value
   * #MAX_ALLOWED} together, every one of the organization (a device or product of another looks
   * like one that does not exist: {@code NOT_FOUND}), and 1 to {@code max-device-calls} calls a
   * run.
   */
  private Allowance checkDeviceCalls(UUID organizationId, DeviceCallsInput input) {
    if (input == null) {
      return Allowance.NONE;
    }
    Set<String> deviceIds =
        new LinkedHashSet<>(input.deviceIds() == null ? List.of() : input.deviceIds());
    Set<String> productIds =
        new LinkedHashSet<>(input.productIds() == null ? List.of() : input.productIds());
    if (deviceIds.isEmpty() && productIds.isEmpty()) {
      throw ApiException.invalid("deviceCalls names at least one device or product");
    }
    if (deviceIds.size() + productIds.size() > MAX_ALLOWED) {
      throw ApiException.invalid(
          "deviceCalls names at most " + MAX_ALLOWED + " devices and products together");
    }
    int most = properties.maxDeviceCalls();
    if (input.maxPerRun() == null || input.maxPerRun() < 1 || input.maxPerRun() > most) {
      throw ApiException.invalid(
          most == 0
              ? "device calls are turned off here (firmament.cloud-code.max-device-calls is 0)"
              : "deviceCalls.maxPerRun is 1 to "
                  + most
                  + " (firmament.cloud-code.max-device-calls)");
    }
    Set<String> found =
        deviceIds.isEmpty()
            ? Set.of()
            : Set.copyOf(
                dsl.select(DEVICES.ID)
                    .from(DEVICES)
                    .where(DEVICES.ORGANIZATION_ID.eq(organizationId))
                    .and(DEVICES.ID.in(deviceIds))
                    .fetch(DEVICES.ID));
    for (String deviceId : deviceIds) {
      if (!found.contains(deviceId)) {
        throw new ApiException(ErrorCode.NOT_FOUND, "no device " + deviceId);
      }
    }
    List<UUID> products = new ArrayList<>();
    for (String productId : productIds) {
      products.add(
          Ids.parse(productId)
              .filter(
                  uuid ->
                      dsl.fetchExists(
                          PRODUCTS,
                          PRODUCTS.ORGANIZATION_ID.eq(organizationId).and(PRODUCTS.ID.eq(uuid))))
              .orElseThrow(() -> new ApiException(ErrorCode.NOT_FOUND, "no product " + productId)));
    }
    return new Allowance(deviceIds, new LinkedHashSet<>(products), input.maxPerRun());
  }

  /**
   * Each function's allowance by function id, in one statement; functions that may call no device
   * are left out.
   */
  public Map<String, CloudCode.DeviceCalls> deviceCalls(
      UUID organizationId, Collection<CloudCode.Function> functions) {
    Map<String, List<String>> deviceIds = new HashMap<>();
    Map<String, List<String>> productIds = new HashMap<>();
    List<UUID> calling = new ArrayList<>();
    for (CloudCode.Function function : functions) {
      if (function.maxDeviceCalls() != 0) {
        deviceIds.put(function.id(), new ArrayList<>());
        productIds.put(function.id(), new ArrayList<>());
        calling.add(UUID.fromString(function.id()));
      }
    }
    if (!calling.isEmpty()) {
      dsl.select(
              CLOUD_CODE_FUNCTION_DEVICES.FUNCTION_ID,
              CLOUD_CODE_FUNCTION_DEVICES.DEVICE_ID,
              CLOUD_CODE_FUNCTION_DEVICES.PRODUCT_ID)
          .from(CLOUD_CODE_FUNCTION_DEVICES)
          .where(CLOUD_CODE_FUNCTION_DEVICES.ORGANIZATION_ID.eq(organizationId))
          .and(CLOUD_CODE_FUNCTION_DEVICES.FUNCTION_ID.in(calling))
          .orderBy(CLOUD_CODE_FUNCTION_DEVICES.ID)
          .forEach(
              r -> {
                String function = r.value1().toString();
                if (r.value2() != null) {
                  deviceIds.get(function).add(r.value2());
                } else {
                  productIds.get(function).add(r.value3().toString());
                }
              });
    }
    Map<String, CloudCode.DeviceCalls> result = new HashMap<>();
    for (CloudCode.Function function : functions) {
      if (function.maxDeviceCalls() != 0) {
        result.put(
            function.id(),
            new CloudCode.DeviceCalls(
                deviceIds.get(function.id()),
                productIds.get(function.id()),
                function.maxDeviceCalls()));
      }
    }
    return result;
  }

  public CloudCode.Function setEnabled(String functionId, boolean enabled) {
    UUID organizationId = Callers.current().organizationId();
    CloudCode.Function f = function(organizationId, functionId);
    dsl.update(CLOUD_CODE_FUNCTIONS)
        .set(CLOUD_CODE_FUNCTIONS.ENABLED, enabled)
        .where(CLOUD_CODE_FUNCTIONS.ID.eq(UUID.fromString(f.id())))
        .execute();
    return function(organizationId, functionId);
  }

  public String deleteFunction(String functionId) {
    UUID organizationId = Callers.current().organizationId();
    CloudCode.Function f = function(organizationId, functionId);
    dsl.deleteFrom(CLOUD_CODE_FUNCTIONS)
        .where(CLOUD_CODE_FUNCTIONS.ID.eq(UUID.fromString(f.id())))
        .execute();
    return f.id();
  }

  public String delete(String cloudCodeId) {
    UUID organizationId = Callers.current().organizationId();
    CloudCode code = find(organizationId, cloudCodeId);
    dsl.deleteFrom(CLOUD_CODE).where(CLOUD_CODE.ID.eq(UUID.fromString(code.id()))).execute();
    return code.id();
  }

  /**
   * Runs a function now on the event given, as its trigger would (the same limits and
   * capabilities), and records the run ({@code MANUAL}).
   */
  public CloudCode.Run runNow(String functionId, String event) {
    UUID organizationId = Callers.current().organizationId();
    CloudCode.Function f = function(organizationId, functionId);
    CloudCode code = find(organizationId, f.cloudCodeId());
    String input = event == null ? "{}" : event;
    if (input.length() > 20_000) {
      throw ApiException.invalid("event is at most 20000 characters");
    }
    Sandbox.Run run =
        runner.run(
            UUID.fromString(f.id()),
            UUID.fromString(code.id()),
            code.version(),
            f.handler(),
            input,
            organizationId,
            CloudCodeOutbox.actor(code.name(), f.name()),
            f.httpTargets());
    long id =
        outbox.record(
            null, UUID.fromString(f.id()), organizationId, code.version(), "MANUAL", null, run);
    return dsl.selectFrom(CLOUD_CODE_RUNS)
        .where(CLOUD_CODE_RUNS.ID.eq(id))
        .fetchSingle(CloudCodes::toRun);
  }

  public CloudCode find(UUID organizationId, String id) {
    return Ids.parse(id)
        .flatMap(
            uuid ->
                withHandlers(
                        CLOUD_CODE.ORGANIZATION_ID.eq(organizationId).and(CLOUD_CODE.ID.eq(uuid)))
                    .fetchOptional(CloudCodes::toCloudCode))
        .orElseThrow(() -> ApiException.notFound("cloud code", id));
  }

  public CloudCode.Function function(UUID organizationId, String id) {
    return Ids.parse(id)
        .flatMap(
            uuid ->
                dsl.selectFrom(CLOUD_CODE_FUNCTIONS)
                    .where(CLOUD_CODE_FUNCTIONS.ORGANIZATION_ID.eq(organizationId))
                    .and(CLOUD_CODE_FUNCTIONS.ID.eq(uuid))
                    .fetchOptional(CloudCodes::toFunction))
        .orElseThrow(() -> ApiException.notFound("cloud code function", id));
  }

  public Page<CloudCode> page(UUID organizationId, Pagination.Window window) {
    return Paged.page(
        dsl,
        withHandlers(CLOUD_CODE.ORGANIZATION_ID.eq(organizationId)),
        window,
        List.of(CLOUD_CODE.NAME.asc(), CLOUD_CODE.ID.asc()),
        CloudCodes::toCloudCode);
  }

  /** Each cloud code's versions, the newest first, by cloud code id, in one statement. */
  public Map<String, List<CloudCode.Version>> versions(
      UUID organizationId, Collection<String> cloudCodeIds) {
    Map<String, List<CloudCode.Version>> result = new HashMap<>();
    cloudCodeIds.forEach(id -> result.put(id, new ArrayList<>()));
    dsl.selectFrom(CLOUD_CODE_VERSIONS)
        .where(CLOUD_CODE_VERSIONS.ORGANIZATION_ID.eq(organizationId))
        .and(
            CLOUD_CODE_VERSIONS.CLOUD_CODE_ID.in(
                cloudCodeIds.stream().map(UUID::fromString).toList()))
        .orderBy(CLOUD_CODE_VERSIONS.CLOUD_CODE_ID, CLOUD_CODE_VERSIONS.VERSION.desc())
        .forEach(r -> result.get(r.getCloudCodeId().toString()).add(toVersion(r)));
    return result;
  }

  /** Each cloud code's functions by name, by cloud code id, in one statement. */
  public Map<String, List<CloudCode.Function>> functions(
      UUID organizationId, Collection<String> cloudCodeIds) {
    Map<String, List<CloudCode.Function>> result = new HashMap<>();
    cloudCodeIds.forEach(id -> result.put(id, new ArrayList<>()));
    dsl.selectFrom(CLOUD_CODE_FUNCTIONS)
        .where(CLOUD_CODE_FUNCTIONS.ORGANIZATION_ID.eq(organizationId))
        .and(
            CLOUD_CODE_FUNCTIONS.CLOUD_CODE_ID.in(
                cloudCodeIds.stream().map(UUID::fromString).toList()))
        .orderBy(CLOUD_CODE_FUNCTIONS.CLOUD_CODE_ID, CLOUD_CODE_FUNCTIONS.NAME)
        .forEach(r -> result.get(r.getCloudCodeId().toString()).add(toFunction(r)));
    return result;
  }

  /** A page of each function's runs, the newest first, in one statement. */
  public Map<UUID, Page<CloudCode.Run>> runPages(
      UUID organizationId, Collection<UUID> functionIds, Pagination.Window window, String sort) {
    return Paged.pagesOf(
        dsl,
        List.of(CLOUD_CODE_RUNS.asterisk()),
        CLOUD_CODE_RUNS,
        CLOUD_CODE_RUNS.ORGANIZATION_ID.eq(organizationId),
        CLOUD_CODE_RUNS.FUNCTION_ID,
        functionIds,
        window,
        List.of(CLOUD_CODE_RUNS.ID.desc()),
        r -> toRun(r.into(CLOUD_CODE_RUNS)));
  }

  /**
   * The HTTP targets a function may post to, as stored: at most {@value #MAX_TARGETS} URL prefixes,
   * each a target webhooks could reach (checked against request forgery with the webhooks' allowed
   * ranges).
   */
  private String checkTargets(List<String> targets) {
    if (targets == null || targets.isEmpty()) {
      return "";
    }
    if (targets.size() > MAX_TARGETS) {
      throw ApiException.invalid("a function has at most " + MAX_TARGETS + " HTTP targets");
    }
    for (String target : targets) {
      try {
        WebhookTargets.check(target, webhooks.allowed(), InetAddress::getAllByName);
      } catch (WebhookTargets.RefusedTarget refused) {
        throw ApiException.invalid("httpTargets: " + refused.getMessage());
      }
      if (target.contains(" ")) {
        throw ApiException.invalid("httpTargets: a target has no spaces");
      }
    }
    return String.join(" ", targets);
  }

  /** The current version's handlers, read with each cloud code (one statement for a page). */
  private static final Field<String> CURRENT_HANDLERS = CLOUD_CODE_VERSIONS.HANDLERS.as("handlers");

  /** The cloud codes {@code where} keeps, each with its current version's handlers. */
  private SelectConditionStep<Record> withHandlers(Condition where) {
    return dsl.select(CLOUD_CODE.fields())
        .select(CURRENT_HANDLERS)
        .from(CLOUD_CODE)
        .leftJoin(CLOUD_CODE_VERSIONS)
        .on(CLOUD_CODE_VERSIONS.CLOUD_CODE_ID.eq(CLOUD_CODE.ID))
        .and(CLOUD_CODE_VERSIONS.VERSION.eq(CLOUD_CODE.VERSION))
        .where(where);
  }

  private static CloudCode toCloudCode(Record row) {
    CloudCodeRecord r = row.into(CLOUD_CODE);
    String handlers = row.get(CURRENT_HANDLERS);
    return new CloudCode(
        r.getId().toString(),
        r.getName(),
        r.getVersion(),
        handlers == null ? List.of() : Arrays.asList(handlers.split(" ")),
        r.getCreatedBy(),
        r.getCreatedAt(),
        r.getUpdatedAt());
  }

  private static CloudCode.Version toVersion(CloudCodeVersionsRecord r) {
    return new CloudCode.Version(
        r.getVersion(),
        r.getSha256(),
        r.getSizeBytes(),
        Arrays.asList(r.getHandlers().split(" ")),
        r.getDeployedBy(),
        r.getDeployedAt());
  }

  private static CloudCode.Function toFunction(CloudCodeFunctionsRecord r) {
    return new CloudCode.Function(
        r.getId().toString(),
        r.getCloudCodeId().toString(),
        r.getName(),
        r.getHandler(),
        r.getTrigger(),
        "EVENT".equals(r.getTrigger())
            ? new EventStreams.StreamFilter(
                r.getNamePrefix(),
                r.getDeviceId(),
                r.getProductId() == null ? null : r.getProductId().toString(),
                r.getSource())
            : null,
        r.getEverySeconds(),
        r.getNextRunAt(),
        r.getEnabled(),
        r.getHttpTargets().isEmpty() ? List.of() : Arrays.asList(r.getHttpTargets().split(" ")),
        r.getMaxDeviceCalls(),
        r.getCreatedBy(),
        r.getCreatedAt());
  }

  static CloudCode.Run toRun(CloudCodeRunsRecord r) {
    return new CloudCode.Run(
        r.getId().toString(),
        r.getFunctionId().toString(),
        r.getVersion(),
        r.getTrigger(),
        r.getEventName(),
        r.getStatus(),
        r.getMessage(),
        r.getReturnCode(),
        r.getLog().isEmpty() ? List.of() : Arrays.asList(r.getLog().split("\n", -1)),
        r.getInstructions(),
        r.getDurationMs(),
        r.getStartedAt());
  }
}
