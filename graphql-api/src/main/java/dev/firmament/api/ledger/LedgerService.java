package dev.firmament.api.ledger;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.LEDGERS;
import static dev.firmament.sql.generated.Tables.LEDGER_INSTANCES;
import static dev.firmament.sql.generated.Tables.LEDGER_PUSHES;
import static dev.firmament.sql.generated.Tables.PRODUCTS;

import dev.firmament.api.Ids;
import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.device.Device;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.UniqueViolations;
import dev.firmament.protocol.LedgerDocuments;
import dev.firmament.sql.generated.tables.records.LedgerInstancesRecord;
import dev.firmament.sql.generated.tables.records.LedgersRecord;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.stereotype.Service;

/**
 * Ledgers and their instances, as the API reads and writes them (docs/device-protocol.md,
 * "Ledgers"). Every write is one transaction: the change, and the push row the workers send to
 * online devices, or nothing at all when the write is refused.
 */
@Service
public class LedgerService {
  static final Set<String> SCOPES = Set.of("ORGANIZATION", "PRODUCT", "DEVICE");
  static final Set<String> DIRECTIONS = Set.of("CLOUD_TO_DEVICE", "DEVICE_TO_CLOUD");
  private static final int MAX_DESCRIPTION = 1000;

  private final DSLContext dsl;

  public LedgerService(DSLContext dsl) {
    this.dsl = dsl;
  }

  // ---- definitions ----

  @PreAuthorize("hasAuthority('SCOPE_devices:read')")
  public Page<Ledger> page(UUID organizationId, Pagination.Window window, String sort) {
    return Paged.page(
        dsl,
        dsl.selectFrom(LEDGERS).where(LEDGERS.ORGANIZATION_ID.eq(organizationId)),
        window,
        Paged.order(
            sort,
            "name",
            Paged.keys(
                Map.entry("name", LEDGERS.NAME),
                Map.entry("createdAt", LEDGERS.CREATED_AT),
                Map.entry("updatedAt", LEDGERS.UPDATED_AT)),
            LEDGERS.ID),
        LedgerService::toLedger);
  }

  @PreAuthorize("hasAuthority('SCOPE_devices:read')")
  public Ledger find(UUID organizationId, String name) {
    return toLedger(record(dsl, organizationId, name));
  }

  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public Ledger create(String name, String description, String scope, String direction) {
    Caller caller = Callers.current();
    checkName(name);
    String text = description(description);
    if (!SCOPES.contains(scope) || !DIRECTIONS.contains(direction)) {
      throw ApiException.invalid("unknown scope or direction: " + scope + ", " + direction);
    }
    if (direction.equals("DEVICE_TO_CLOUD") && !scope.equals("DEVICE")) {
      throw ApiException.invalid(
          "a DEVICE_TO_CLOUD ledger is DEVICE-scoped: each device writes its own instance");
    }
    UUID id = UUID.randomUUID();
    try {
      dsl.insertInto(LEDGERS)
          .set(LEDGERS.ID, id)
          .set(LEDGERS.ORGANIZATION_ID, caller.organizationId())
          .set(LEDGERS.NAME, name)
          .set(LEDGERS.DESCRIPTION, text)
          .set(LEDGERS.SCOPE, scope)
          .set(LEDGERS.DIRECTION, direction)
          .set(LEDGERS.CREATED_BY, caller.actor())
          .execute();
    } catch (RuntimeException e) {
      if (UniqueViolations.isUniqueViolation(e)) {
        throw new ApiException(ErrorCode.ALREADY_EXISTS, "a ledger named '" + name + "' exists", e);
      }
      throw e;
    }
    return find(caller.organizationId(), name);
  }

  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public Ledger update(String name, String description) {
    UUID organizationId = Callers.current().organizationId();
    String text = description(description);
    int updated =
        dsl.update(LEDGERS)
            .set(LEDGERS.DESCRIPTION, text)
            .set(LEDGERS.UPDATED_AT, DSL.currentOffsetDateTime())
            .where(LEDGERS.ORGANIZATION_ID.eq(organizationId))
            .and(LEDGERS.NAME.eq(name))
            .execute();
    if (updated == 0) {
      throw ApiException.notFound("ledger", name);
    }
    return find(organizationId, name);
  }

  /** Deletes a ledger and its instances; the devices holding cloud copies are told to drop them. */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public String delete(String name) {
    UUID organizationId = Callers.current().organizationId();
    return dsl.transactionResult(
        configuration -> {
          DSLContext tx = configuration.dsl();
          LedgersRecord ledger = record(tx, organizationId, name);
          if (ledger.getDirection().equals("CLOUD_TO_DEVICE")) {
            for (LedgerInstancesRecord instance :
                tx.selectFrom(LEDGER_INSTANCES)
                    .where(LEDGER_INSTANCES.LEDGER_ID.eq(ledger.getId()))
                    .fetch()) {
              push(tx, ledger, instance.getProductId(), instance.getDeviceId());
            }
          }
          tx.deleteFrom(LEDGERS).where(LEDGERS.ID.eq(ledger.getId())).execute();
          return name;
        });
  }

  // ---- instances ----

  /**
   * The order of a ledger's instances: {@code updatedAt} (default descending) or {@code version}.
   */
  static List<org.jooq.SortField<?>> instanceOrder(String sort) {
    return Paged.order(
        sort,
        "-updatedAt",
        Paged.keys(
            Map.entry("updatedAt", LEDGER_INSTANCES.UPDATED_AT),
            Map.entry("version", LEDGER_INSTANCES.VERSION)),
        LEDGER_INSTANCES.ID);
  }

  /**
   * Checks, on the request's thread, that the caller may read instances and that {@code sort} is
   * one {@link #instancePages} reads: a typed error otherwise.
   */
  @PreAuthorize("hasAuthority('SCOPE_devices:read')")
  public void checkInstances(String sort) {
    instanceOrder(sort);
  }

  /**
   * A page of each ledger's instances (ledgers by id), in one statement; for a batch loader, after
   * {@link #checkInstances} passed for each ledger asked for.
   */
  public Map<UUID, Page<LedgerInstance>> instancePages(
      UUID organizationId, Collection<UUID> ledgerIds, Pagination.Window window, String sort) {
    List<org.jooq.SelectFieldOrAsterisk> fields =
        new ArrayList<>(List.of(LEDGER_INSTANCES.fields()));
    fields.addAll(List.of(LEDGERS.NAME, LEDGERS.SCOPE, LEDGERS.DIRECTION));
    return Paged.pagesOf(
        dsl,
        fields,
        LEDGER_INSTANCES.join(LEDGERS).on(LEDGERS.ID.eq(LEDGER_INSTANCES.LEDGER_ID)),
        LEDGERS.ORGANIZATION_ID.eq(organizationId),
        LEDGER_INSTANCES.LEDGER_ID,
        ledgerIds,
        window,
        instanceOrder(sort),
        LedgerService::toInstance);
  }

  /** The instances that apply to each device: see {@code Device.ledgers}. */
  @PreAuthorize("hasAuthority('SCOPE_devices:read')")
  public Map<String, List<LedgerInstance>> ofDevices(
      UUID organizationId, Collection<Device> devices) {
    Map<String, List<LedgerInstance>> byDevice = new HashMap<>();
    Set<UUID> products = new HashSet<>();
    Set<String> ids = new HashSet<>();
    for (Device device : devices) {
      byDevice.put(device.id(), new ArrayList<>());
      products.add(device.productId());
      ids.add(device.id());
    }
    if (devices.isEmpty()) {
      return byDevice;
    }
    List<LedgerInstance> found =
        dsl.select(LEDGER_INSTANCES.fields())
            .select(LEDGERS.NAME, LEDGERS.SCOPE, LEDGERS.DIRECTION)
            .from(LEDGER_INSTANCES)
            .join(LEDGERS)
            .on(LEDGERS.ID.eq(LEDGER_INSTANCES.LEDGER_ID))
            .where(LEDGERS.ORGANIZATION_ID.eq(organizationId))
            .and(
                LEDGERS
                    .SCOPE
                    .eq("ORGANIZATION")
                    .or(LEDGER_INSTANCES.PRODUCT_ID.in(products))
                    .or(LEDGER_INSTANCES.DEVICE_ID.in(ids)))
            .orderBy(LEDGERS.NAME)
            .fetch(LedgerService::toInstance);
    for (Device device : devices) {
      String product = device.productId().toString();
      for (LedgerInstance instance : found) {
        boolean applies =
            switch (instance.scope()) {
              case "ORGANIZATION" -> true;
              case "PRODUCT" -> product.equals(instance.productId());
              default -> device.id().equals(instance.deviceId());
            };
        if (applies) {
          byDevice.get(device.id()).add(instance);
        }
      }
    }
    return byDevice;
  }

  /**
   * Writes a cloud-to-device instance (see {@code setLedgerInstance}), in one transaction with its
   * push row.
   */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public LedgerInstance set(
      String ledgerName, String productId, String deviceId, String data, Long expectedVersion) {
    Caller caller = Callers.current();
    String document;
    try {
      document = LedgerDocuments.compact(LedgerDocuments.parse("data", data));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(e.getMessage());
    }
    if (expectedVersion != null && expectedVersion < 0) {
      throw ApiException.invalid("expectedVersion must be 0 or more");
    }
    return dsl.transactionResult(
        configuration -> {
          DSLContext tx = configuration.dsl();
          LedgersRecord ledger = record(tx, caller.organizationId(), ledgerName);
          Target target = target(tx, caller.organizationId(), ledger, productId, deviceId);
          LedgerInstancesRecord existing =
              tx.selectFrom(LEDGER_INSTANCES)
                  .where(LEDGER_INSTANCES.LEDGER_ID.eq(ledger.getId()))
                  .and(target.condition())
                  .forUpdate()
                  .fetchOne();
          checkExpected(ledgerName, existing, expectedVersion);
          long version =
              tx.select(DSL.field("nextval('ledger_versions')", Long.class)).fetchSingle().value1();
          OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
          UUID id = existing == null ? UUID.randomUUID() : existing.getId();
          if (existing == null) {
            try {
              tx.insertInto(LEDGER_INSTANCES)
                  .set(LEDGER_INSTANCES.ID, id)
                  .set(LEDGER_INSTANCES.ORGANIZATION_ID, caller.organizationId())
                  .set(LEDGER_INSTANCES.LEDGER_ID, ledger.getId())
                  .set(LEDGER_INSTANCES.PRODUCT_ID, target.productId())
                  .set(LEDGER_INSTANCES.DEVICE_ID, target.deviceId())
                  .set(LEDGER_INSTANCES.DATA, document)
                  .set(LEDGER_INSTANCES.VERSION, version)
                  .set(LEDGER_INSTANCES.UPDATED_AT, now)
                  .set(LEDGER_INSTANCES.UPDATED_BY, caller.actor())
                  .execute();
            } catch (RuntimeException e) {
              if (UniqueViolations.isUniqueViolation(e)) {
                throw new ApiException(
                    ErrorCode.CONFLICT,
                    "the instance of ledger "
                        + ledgerName
                        + " was created meanwhile; read it again",
                    e);
              }
              throw e;
            }
          } else {
            tx.update(LEDGER_INSTANCES)
                .set(LEDGER_INSTANCES.DATA, document)
                .set(LEDGER_INSTANCES.VERSION, version)
                .set(LEDGER_INSTANCES.UPDATED_AT, now)
                .set(LEDGER_INSTANCES.UPDATED_BY, caller.actor())
                .where(LEDGER_INSTANCES.ID.eq(id))
                .execute();
          }
          push(tx, ledger, target.productId(), target.deviceId());
          return new LedgerInstance(
              id.toString(),
              ledger.getName(),
              ledger.getScope(),
              ledger.getDirection(),
              target.productId() == null ? null : target.productId().toString(),
              target.deviceId(),
              document,
              version,
              now,
              caller.actor());
        });
  }

  /** Deletes a cloud-to-device instance; returns the version it had. */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public long deleteInstance(
      String ledgerName, String productId, String deviceId, Long expectedVersion) {
    UUID organizationId = Callers.current().organizationId();
    return dsl.transactionResult(
        configuration -> {
          DSLContext tx = configuration.dsl();
          LedgersRecord ledger = record(tx, organizationId, ledgerName);
          Target target = target(tx, organizationId, ledger, productId, deviceId);
          LedgerInstancesRecord existing =
              tx.selectFrom(LEDGER_INSTANCES)
                  .where(LEDGER_INSTANCES.LEDGER_ID.eq(ledger.getId()))
                  .and(target.condition())
                  .forUpdate()
                  .fetchOne();
          if (existing == null) {
            throw ApiException.notFound("instance of ledger " + ledgerName, target.describe());
          }
          checkExpected(ledgerName, existing, expectedVersion);
          tx.deleteFrom(LEDGER_INSTANCES).where(LEDGER_INSTANCES.ID.eq(existing.getId())).execute();
          push(tx, ledger, target.productId(), target.deviceId());
          return existing.getVersion();
        });
  }

  // ---- helpers ----

  /** The scope value an instance write names, checked against the ledger and the organization. */
  private record Target(UUID productId, String deviceId) {
    Condition condition() {
      return (productId == null
              ? LEDGER_INSTANCES.PRODUCT_ID.isNull()
              : LEDGER_INSTANCES.PRODUCT_ID.eq(productId))
          .and(
              deviceId == null
                  ? LEDGER_INSTANCES.DEVICE_ID.isNull()
                  : LEDGER_INSTANCES.DEVICE_ID.eq(deviceId));
    }

    String describe() {
      return productId != null
          ? "product " + productId
          : deviceId != null ? "device " + deviceId : "the organization";
    }
  }

  private static Target target(
      DSLContext tx, UUID organizationId, LedgersRecord ledger, String productId, String deviceId) {
    if (ledger.getDirection().equals("DEVICE_TO_CLOUD")) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION,
          "ledger "
              + ledger.getName()
              + " is DEVICE_TO_CLOUD: only its devices write it, the API reads it");
    }
    String scope = ledger.getScope();
    if ((productId != null) != scope.equals("PRODUCT")
        || (deviceId != null) != scope.equals("DEVICE")) {
      throw ApiException.invalid(
          "ledger "
              + ledger.getName()
              + " is "
              + scope
              + "-scoped: "
              + switch (scope) {
                case "PRODUCT" -> "give productId and no deviceId";
                case "DEVICE" -> "give deviceId and no productId";
                default -> "give neither productId nor deviceId";
              });
    }
    if (productId != null) {
      UUID product =
          Ids.parse(productId).orElseThrow(() -> ApiException.notFound("product", productId));
      if (!tx.fetchExists(
          PRODUCTS, PRODUCTS.ID.eq(product).and(PRODUCTS.ORGANIZATION_ID.eq(organizationId)))) {
        throw ApiException.notFound("product", productId);
      }
      return new Target(product, null);
    }
    if (deviceId != null) {
      if (!tx.fetchExists(
          DEVICES, DEVICES.ID.eq(deviceId).and(DEVICES.ORGANIZATION_ID.eq(organizationId)))) {
        throw ApiException.notFound("device", deviceId);
      }
      return new Target(null, deviceId);
    }
    return new Target(null, null);
  }

  private static void checkExpected(
      String ledgerName, LedgerInstancesRecord existing, Long expectedVersion) {
    if (expectedVersion == null) {
      return;
    }
    long stored = existing == null ? 0 : existing.getVersion();
    if (stored != expectedVersion) {
      throw new ApiException(
          ErrorCode.CONFLICT,
          "ledger "
              + ledgerName
              + " is at version "
              + stored
              + ", not the expected "
              + expectedVersion
              + "; read it again and retry");
    }
  }

  /** The outbox row the workers push to the online devices of the scope value. */
  private static void push(DSLContext tx, LedgersRecord ledger, UUID productId, String deviceId) {
    tx.insertInto(LEDGER_PUSHES)
        .set(LEDGER_PUSHES.ORGANIZATION_ID, ledger.getOrganizationId())
        .set(LEDGER_PUSHES.LEDGER_NAME, ledger.getName())
        .set(LEDGER_PUSHES.SCOPE, ledger.getScope())
        .set(LEDGER_PUSHES.PRODUCT_ID, productId)
        .set(LEDGER_PUSHES.DEVICE_ID, deviceId)
        .execute();
  }

  private static LedgersRecord record(DSLContext dsl, UUID organizationId, String name) {
    if (!LedgerDocuments.isValidName(name)) {
      throw ApiException.notFound("ledger", name);
    }
    LedgersRecord found =
        dsl.selectFrom(LEDGERS)
            .where(LEDGERS.ORGANIZATION_ID.eq(organizationId))
            .and(LEDGERS.NAME.eq(name))
            .fetchOne();
    if (found == null) {
      throw ApiException.notFound("ledger", name);
    }
    return found;
  }

  private static void checkName(String name) {
    if (!LedgerDocuments.isValidName(name)) {
      throw ApiException.invalid(
          "name must be 1 to "
              + LedgerDocuments.MAX_NAME_LENGTH
              + " characters of [A-Za-z0-9_.-], was "
              + name);
    }
  }

  private static String description(String description) {
    String text = description == null ? "" : description.strip();
    if (text.length() > MAX_DESCRIPTION) {
      throw ApiException.invalid("description must be at most " + MAX_DESCRIPTION + " characters");
    }
    return text;
  }

  private static Ledger toLedger(LedgersRecord r) {
    return new Ledger(
        r.getId().toString(),
        r.getName(),
        r.getDescription(),
        r.getScope(),
        r.getDirection(),
        r.getCreatedBy(),
        r.getCreatedAt(),
        r.getUpdatedAt());
  }

  private static LedgerInstance toInstance(Record r) {
    UUID product = r.get(LEDGER_INSTANCES.PRODUCT_ID);
    return new LedgerInstance(
        r.get(LEDGER_INSTANCES.ID).toString(),
        r.get(LEDGERS.NAME),
        r.get(LEDGERS.SCOPE),
        r.get(LEDGERS.DIRECTION),
        product == null ? null : product.toString(),
        r.get(LEDGER_INSTANCES.DEVICE_ID),
        r.get(LEDGER_INSTANCES.DATA),
        r.get(LEDGER_INSTANCES.VERSION),
        r.get(LEDGER_INSTANCES.UPDATED_AT),
        r.get(LEDGER_INSTANCES.UPDATED_BY));
  }
}
