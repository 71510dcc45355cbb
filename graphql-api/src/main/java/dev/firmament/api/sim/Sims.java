package dev.firmament.api.sim;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.SIMS;
import static dev.firmament.sql.generated.Tables.SIM_ACTIVATIONS;

import dev.firmament.api.Ids;
import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.UniqueViolations;
import dev.firmament.sql.generated.tables.records.SimsRecord;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.stereotype.Service;

/**
 * An organization's SIM cards: registered one at a time or imported from CSV, assigned to devices,
 * activated and deactivated with a history row for each change. Every input is checked before the
 * first write, so a refusal writes nothing; an import is one transaction.
 *
 * <p>States (docs/connectivity.md): a SIM starts {@code INACTIVE} (registered, not yet switched on
 * at the carrier); {@code activateSIM} takes an INACTIVE or DEACTIVATED SIM to {@code ACTIVE};
 * {@code deactivateSIM} takes an ACTIVE one to {@code DEACTIVATED}. Any other change is refused
 * with {@code FAILED_PRECONDITION}, as is deleting an ACTIVE SIM: the carrier still bills it.
 */
@Service
public class Sims {
  /** Data rows an import takes at once. */
  public static final int MAX_IMPORT_ROWS = 10_000;

  /** Characters of an import's CSV; 10,000 rows of about 80 characters fit twice over. */
  public static final int MAX_IMPORT_CHARACTERS = 2_000_000;

  static final int MAX_CARRIER = 100;
  static final int MAX_REASON = 500;
  static final Set<String> STATUSES = Set.of("INACTIVE", "ACTIVE", "DEACTIVATED");
  static final Set<String> POLICIES = Set.of("BLOCK", "THROTTLE", "ALLOW");

  /** The import's columns; {@code device_id} may be left out, the others are required. */
  static final List<String> COLUMNS =
      List.of("iccid", "imsi", "carrier", "monthly_cap_bytes", "overage_policy", "device_id");

  private static final Map<String, Field<?>> SORT_KEYS =
      Paged.keys(
          Map.entry("iccid", SIMS.ICCID),
          Map.entry("carrier", SIMS.CARRIER),
          Map.entry("status", SIMS.STATUS),
          Map.entry("createdAt", SIMS.CREATED_AT));

  private final DSLContext dsl;

  public Sims(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** A refused row of an import: its line in the file, the column (null for the whole row), why. */
  public record RowError(int line, String column, String message) {
    Map<String, Object> json() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("line", line);
      map.put("column", column);
      map.put("message", message);
      return map;
    }
  }

  /** A SIM as it is to be written, once checked. */
  record NewSim(
      int line,
      String iccid,
      String imsi,
      String carrier,
      long monthlyCapBytes,
      String overagePolicy,
      String deviceId) {}

  // ---- reads

  @PreAuthorize("hasAuthority('SCOPE_devices:read')")
  public Page<Sim> page(
      UUID organizationId, Sim.Filter filter, Pagination.Window window, String sort) {
    var order = Paged.order(sort, "iccid", SORT_KEYS, SIMS.ID);
    Condition where = SIMS.ORGANIZATION_ID.eq(organizationId);
    if (filter != null) {
      if (filter.status() != null) {
        where = where.and(SIMS.STATUS.eq(filter.status()));
      }
      if (filter.carrier() != null) {
        where = where.and(SIMS.CARRIER.eq(filter.carrier().strip()));
      }
      if (filter.assigned() != null) {
        where = where.and(filter.assigned() ? SIMS.DEVICE_ID.isNotNull() : SIMS.DEVICE_ID.isNull());
      }
    }
    return Paged.page(dsl, dsl.selectFrom(SIMS).where(where), window, order, Sims::toSim);
  }

  /** The SIM with this id or ICCID (exactly one given); null when the organization has none. */
  @PreAuthorize("hasAuthority('SCOPE_devices:read')")
  public Sim lookup(UUID organizationId, String id, String iccid) {
    if ((id == null) == (iccid == null)) {
      throw ApiException.invalid("give a SIM's id or its iccid, one of them");
    }
    Condition which =
        id != null
            ? Ids.parse(id).map(SIMS.ID::eq).orElse(DSL.falseCondition())
            : SIMS.ICCID.eq(iccid.strip());
    return dsl.selectFrom(SIMS)
        .where(SIMS.ORGANIZATION_ID.eq(organizationId))
        .and(which)
        .fetchOptional(Sims::toSim)
        .orElse(null);
  }

  /** The SIMs the devices hold, by device id (a device without one is left out). */
  public Map<String, Sim> ofDevices(UUID organizationId, Collection<String> deviceIds) {
    Map<String, Sim> result = new HashMap<>();
    dsl.selectFrom(SIMS)
        .where(SIMS.ORGANIZATION_ID.eq(organizationId))
        .and(SIMS.DEVICE_ID.in(deviceIds))
        .forEach(r -> result.put(r.getDeviceId(), toSim(r)));
    return result;
  }

  /** A page of each SIM's status changes, the newest first, in one statement. */
  public Map<UUID, Page<Sim.Activation>> activationPages(
      UUID organizationId, Collection<UUID> simIds, Pagination.Window window, String sort) {
    return Paged.pagesOf(
        dsl,
        List.of(SIM_ACTIVATIONS.asterisk()),
        SIM_ACTIVATIONS,
        SIM_ACTIVATIONS.ORGANIZATION_ID.eq(organizationId),
        SIM_ACTIVATIONS.SIM_ID,
        simIds,
        window,
        List.of(SIM_ACTIVATIONS.ID.desc()),
        r ->
            new Sim.Activation(
                r.get(SIM_ACTIVATIONS.ID).toString(),
                r.get(SIM_ACTIVATIONS.FROM_STATUS),
                r.get(SIM_ACTIVATIONS.TO_STATUS),
                r.get(SIM_ACTIVATIONS.REASON),
                r.get(SIM_ACTIVATIONS.ACTOR),
                r.get(SIM_ACTIVATIONS.OCCURRED_AT)));
  }

  // ---- changes

  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public Sim create(
      String iccid,
      String imsi,
      String carrier,
      Long monthlyCapBytes,
      String overagePolicy,
      String deviceId) {
    Caller caller = Callers.current();
    List<RowError> errors = new ArrayList<>();
    NewSim sim =
        check(
            0,
            iccid,
            imsi,
            carrier,
            monthlyCapBytes == null ? null : String.valueOf(monthlyCapBytes),
            overagePolicy,
            deviceId,
            errors);
    if (errors.isEmpty()) {
      checkAgainstStored(caller.organizationId(), List.of(sim), errors);
    }
    if (!errors.isEmpty()) {
      RowError first = errors.getFirst();
      if (first.message().startsWith(MISSING_PREFIX)) {
        // Another organization's device looks the same as none at all.
        throw ApiException.notFound("device", deviceId);
      }
      ErrorCode code =
          first.message().startsWith(HELD_PREFIX)
              ? ErrorCode.CONFLICT
              : first.message().endsWith(EXISTS_SUFFIX)
                  ? ErrorCode.ALREADY_EXISTS
                  : ErrorCode.INVALID_ARGUMENT;
      throw new ApiException(code, inputName(first.column()) + ": " + first.message());
    }
    UUID id = UUID.randomUUID();
    translating(() -> dsl.transaction(c -> insert(c.dsl(), caller, List.of(sim), List.of(id))));
    return require(caller.organizationId(), id.toString());
  }

  /** Changes what is given; the ICCID names the card and never changes. */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public Sim update(
      String id, String imsi, String carrier, Long monthlyCapBytes, String overagePolicy) {
    UUID organizationId = Callers.current().organizationId();
    Sim sim = require(organizationId, id);
    var update = dsl.update(SIMS).set(SIMS.UPDATED_AT, OffsetDateTime.now());
    if (imsi != null) {
      String problem = SimNumbers.imsiProblem(imsi);
      if (problem != null) {
        throw ApiException.invalid("imsi: " + problem);
      }
      if (dsl.fetchExists(
          SIMS,
          SIMS.ORGANIZATION_ID
              .eq(organizationId)
              .and(SIMS.IMSI.eq(imsi))
              .and(SIMS.ID.ne(UUID.fromString(sim.id()))))) {
        throw new ApiException(ErrorCode.ALREADY_EXISTS, "imsi: a SIM with this IMSI exists");
      }
      update = update.set(SIMS.IMSI, imsi);
    }
    if (carrier != null) {
      update =
          update.set(SIMS.CARRIER, checked(carrierProblem(carrier), "carrier", carrier.strip()));
    }
    if (monthlyCapBytes != null) {
      if (monthlyCapBytes < 0) {
        throw ApiException.invalid("monthlyCapBytes: a cap is 0 bytes or more");
      }
      update = update.set(SIMS.MONTHLY_CAP_BYTES, monthlyCapBytes);
    }
    if (overagePolicy != null) {
      update = update.set(SIMS.OVERAGE_POLICY, overagePolicy);
    }
    var finished = update;
    translating(() -> finished.where(SIMS.ID.eq(UUID.fromString(sim.id()))).execute());
    return require(organizationId, id);
  }

  /** Deletes a SIM that is not active, with its history; an active one is deactivated first. */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public String delete(String id) {
    UUID organizationId = Callers.current().organizationId();
    Sim sim = require(organizationId, id);
    int deleted =
        dsl.deleteFrom(SIMS)
            .where(SIMS.ID.eq(UUID.fromString(sim.id())))
            .and(SIMS.STATUS.ne("ACTIVE"))
            .execute();
    if (deleted == 0) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION,
          "SIM " + sim.iccid() + " is ACTIVE: deactivate it first, the carrier still bills it");
    }
    return sim.id();
  }

  /**
   * Puts the SIM in the device (of the SIM's organization). {@code CONFLICT} when the SIM is in
   * another device or the device holds another SIM: each is unassigned first, so that a SIM is
   * never taken from a device by mistake.
   */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public Sim assign(String id, String deviceId) {
    UUID organizationId = Callers.current().organizationId();
    Sim sim = require(organizationId, id);
    boolean deviceExists =
        deviceId != null
            && dsl.fetchExists(
                DEVICES, DEVICES.ORGANIZATION_ID.eq(organizationId).and(DEVICES.ID.eq(deviceId)));
    if (!deviceExists) {
      throw ApiException.notFound("device", deviceId);
    }
    if (deviceId.equals(sim.deviceId())) {
      return sim;
    }
    if (sim.deviceId() != null) {
      throw new ApiException(
          ErrorCode.CONFLICT,
          "SIM " + sim.iccid() + " is in device " + sim.deviceId() + ": unassign it first");
    }
    Sim held = ofDevices(organizationId, List.of(deviceId)).get(deviceId);
    if (held != null) {
      throw new ApiException(
          ErrorCode.CONFLICT,
          "device " + deviceId + " holds SIM " + held.iccid() + ": unassign that one first");
    }
    translating(
        () ->
            dsl.update(SIMS)
                .set(SIMS.DEVICE_ID, deviceId)
                .set(SIMS.UPDATED_AT, OffsetDateTime.now())
                .where(SIMS.ID.eq(UUID.fromString(sim.id())))
                .and(SIMS.DEVICE_ID.isNull())
                .execute());
    return require(organizationId, id);
  }

  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public Sim unassign(String id) {
    UUID organizationId = Callers.current().organizationId();
    Sim sim = require(organizationId, id);
    dsl.update(SIMS)
        .setNull(SIMS.DEVICE_ID)
        .set(SIMS.UPDATED_AT, OffsetDateTime.now())
        .where(SIMS.ID.eq(UUID.fromString(sim.id())))
        .execute();
    return require(organizationId, id);
  }

  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public Sim activate(String id, String reason) {
    return change(id, Set.of("INACTIVE", "DEACTIVATED"), "ACTIVE", reason);
  }

  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public Sim deactivate(String id, String reason) {
    return change(id, Set.of("ACTIVE"), "DEACTIVATED", reason);
  }

  /**
   * Moves the SIM to {@code to} when its status is one of {@code from}, with its history row in the
   * same transaction. The update is conditional on the status read, so of two concurrent changes
   * one is refused rather than both recorded.
   */
  private Sim change(String id, Set<String> from, String to, String reason) {
    Caller caller = Callers.current();
    Sim sim = require(caller.organizationId(), id);
    String why = reason == null || reason.isBlank() ? null : reason.strip();
    if (why != null && why.length() > MAX_REASON) {
      throw ApiException.invalid("reason: at most " + MAX_REASON + " characters");
    }
    if (!from.contains(sim.status())) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION,
          "SIM " + sim.iccid() + " is " + sim.status() + "; it cannot become " + to);
    }
    UUID simId = UUID.fromString(sim.id());
    dsl.transaction(
        c -> {
          DSLContext tx = c.dsl();
          int changed =
              tx.update(SIMS)
                  .set(SIMS.STATUS, to)
                  .set(SIMS.UPDATED_AT, OffsetDateTime.now())
                  .where(SIMS.ID.eq(simId))
                  .and(SIMS.STATUS.eq(sim.status()))
                  .execute();
          if (changed == 0) {
            throw new ApiException(
                ErrorCode.FAILED_PRECONDITION,
                "SIM " + sim.iccid() + " changed meanwhile; read it again");
          }
          tx.insertInto(SIM_ACTIVATIONS)
              .set(SIM_ACTIVATIONS.ORGANIZATION_ID, caller.organizationId())
              .set(SIM_ACTIVATIONS.SIM_ID, simId)
              .set(SIM_ACTIVATIONS.FROM_STATUS, sim.status())
              .set(SIM_ACTIVATIONS.TO_STATUS, to)
              .set(SIM_ACTIVATIONS.REASON, why)
              .set(SIM_ACTIVATIONS.ACTOR, caller.actor())
              .execute();
        });
    return require(caller.organizationId(), id);
  }

  // ---- import

  /**
   * Imports every row of the CSV or none: each row is checked (its fields, duplicates within the
   * file, SIMs and devices already stored) before anything is written, and the rows are written in
   * one transaction. A refusal is {@code INVALID_ARGUMENT} with every bad row in the details'
   * {@code rows} ({@code line}, {@code column}, {@code message}); a file over the limits is {@code
   * TOO_LARGE}.
   *
   * @return how many SIMs were imported
   */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public int importCsv(String csv) {
    Caller caller = Callers.current();
    if (csv == null || csv.isBlank()) {
      throw ApiException.invalid("the CSV is empty: a header row and one row per SIM");
    }
    if (csv.length() > MAX_IMPORT_CHARACTERS) {
      throw new ApiException(
          ErrorCode.TOO_LARGE,
          "the CSV has "
              + csv.length()
              + " characters; an import takes at most "
              + MAX_IMPORT_CHARACTERS
              + " (split the file)");
    }
    List<SimCsv.Row> rows;
    try {
      rows = SimCsv.parse(csv);
    } catch (SimCsv.Malformed e) {
      throw refused(List.of(new RowError(e.line(), null, e.getMessage())), 0);
    }
    if (rows.size() - 1 > MAX_IMPORT_ROWS) {
      throw new ApiException(
          ErrorCode.TOO_LARGE,
          "the CSV has "
              + (rows.size() - 1)
              + " rows; an import takes at most "
              + MAX_IMPORT_ROWS
              + " (split the file)");
    }
    List<RowError> errors = new ArrayList<>();
    List<NewSim> sims = checkRows(rows, errors);
    if (errors.isEmpty()) {
      checkAgainstStored(caller.organizationId(), sims, errors);
    }
    if (!errors.isEmpty()) {
      throw refused(errors, rows.size() - 1);
    }
    List<UUID> ids = sims.stream().map(s -> UUID.randomUUID()).toList();
    translating(() -> dsl.transaction(c -> insert(c.dsl(), caller, sims, ids)));
    return sims.size();
  }

  /**
   * The rows checked on their own and against each other; the problems go to {@code errors} in the
   * order of the file.
   */
  static List<NewSim> checkRows(List<SimCsv.Row> rows, List<RowError> errors) {
    if (rows.isEmpty()) {
      errors.add(new RowError(1, null, "a header row is required: " + String.join(",", COLUMNS)));
      return List.of();
    }
    SimCsv.Row header = rows.getFirst();
    Map<String, Integer> at = new LinkedHashMap<>();
    for (int i = 0; i < header.fields().size(); i++) {
      String name = header.fields().get(i).strip().toLowerCase(Locale.ROOT);
      if (!COLUMNS.contains(name)) {
        errors.add(
            new RowError(
                header.line(),
                name,
                "unknown column; the columns are " + String.join(", ", COLUMNS)));
      } else if (at.putIfAbsent(name, i) != null) {
        errors.add(new RowError(header.line(), name, "the column is named twice"));
      }
    }
    for (String required : COLUMNS.subList(0, 5)) {
      if (!at.containsKey(required)) {
        errors.add(new RowError(header.line(), required, "the column is required"));
      }
    }
    if (!errors.isEmpty()) {
      return List.of();
    }
    if (rows.size() == 1) {
      errors.add(new RowError(header.line(), null, "the CSV has a header but no SIM"));
      return List.of();
    }
    List<NewSim> sims = new ArrayList<>();
    Map<String, Integer> iccids = new HashMap<>();
    Map<String, Integer> imsis = new HashMap<>();
    Map<String, Integer> devices = new HashMap<>();
    for (SimCsv.Row row : rows.subList(1, rows.size())) {
      if (row.fields().size() != header.fields().size()) {
        errors.add(
            new RowError(
                row.line(),
                null,
                "the row has "
                    + row.fields().size()
                    + " fields, the header "
                    + header.fields().size()));
        continue;
      }
      int before = errors.size();
      NewSim sim =
          check(
              row.line(),
              field(row, at, "iccid"),
              field(row, at, "imsi"),
              field(row, at, "carrier"),
              field(row, at, "monthly_cap_bytes"),
              field(row, at, "overage_policy"),
              field(row, at, "device_id"),
              errors);
      if (errors.size() > before) {
        continue;
      }
      duplicate(iccids, sim.iccid(), row.line(), "iccid", "ICCID", errors);
      duplicate(imsis, sim.imsi(), row.line(), "imsi", "IMSI", errors);
      if (sim.deviceId() != null) {
        duplicate(devices, sim.deviceId(), row.line(), "device_id", "device", errors);
      }
      sims.add(sim);
    }
    return sims;
  }

  private static void duplicate(
      Map<String, Integer> seen,
      String value,
      int line,
      String column,
      String what,
      List<RowError> errors) {
    Integer first = seen.putIfAbsent(value, line);
    if (first != null) {
      errors.add(
          new RowError(line, column, "the same " + what + " as line " + first + " of the file"));
    }
  }

  private static String field(SimCsv.Row row, Map<String, Integer> at, String column) {
    Integer index = at.get(column);
    if (index == null) {
      return null;
    }
    String value = row.fields().get(index).strip();
    return value.isEmpty() ? null : value;
  }

  /** One SIM's fields checked; null (with the problems in {@code errors}) when any is bad. */
  static NewSim check(
      int line,
      String iccid,
      String imsi,
      String carrier,
      String monthlyCapBytes,
      String overagePolicy,
      String deviceId,
      List<RowError> errors) {
    int before = errors.size();
    String problem = SimNumbers.iccidProblem(iccid);
    if (problem != null) {
      errors.add(new RowError(line, "iccid", problem));
    }
    problem = SimNumbers.imsiProblem(imsi);
    if (problem != null) {
      errors.add(new RowError(line, "imsi", problem));
    }
    problem = carrierProblem(carrier);
    if (problem != null) {
      errors.add(new RowError(line, "carrier", problem));
    }
    long cap = -1;
    if (monthlyCapBytes == null || !monthlyCapBytes.matches("[0-9]{1,18}")) {
      errors.add(
          new RowError(
              line,
              "monthly_cap_bytes",
              "a cap is a whole number of bytes, 0 to 999999999999999999, was '"
                  + (monthlyCapBytes == null ? "" : clip(monthlyCapBytes))
                  + "'"));
    } else {
      cap = Long.parseLong(monthlyCapBytes);
    }
    String policy = overagePolicy == null ? null : overagePolicy.strip().toUpperCase(Locale.ROOT);
    if (policy == null || !POLICIES.contains(policy)) {
      errors.add(
          new RowError(
              line,
              "overage_policy",
              "the overage policy is BLOCK, THROTTLE or ALLOW, was '"
                  + (overagePolicy == null ? "" : clip(overagePolicy))
                  + "'"));
    }
    String device = deviceId == null || deviceId.isBlank() ? null : deviceId.strip();
    if (device != null && device.length() > 64) {
      errors.add(new RowError(line, "device_id", "a device id has at most 64 characters"));
    }
    if (errors.size() > before) {
      return null;
    }
    return new NewSim(line, iccid, imsi, carrier.strip(), cap, policy, device);
  }

  static String carrierProblem(String carrier) {
    String value = carrier == null ? "" : carrier.strip();
    if (value.isEmpty() || value.length() > MAX_CARRIER) {
      return "a carrier is 1 to " + MAX_CARRIER + " characters";
    }
    if (value.chars().anyMatch(Character::isISOControl)) {
      return "a carrier has no control characters";
    }
    return null;
  }

  /**
   * The checks that need the database: an ICCID or IMSI the organization already has, a device it
   * does not have (another organization's looks the same: missing) or that holds a SIM.
   */
  private void checkAgainstStored(UUID organizationId, List<NewSim> sims, List<RowError> errors) {
    Set<String> iccids = new HashSet<>();
    Set<String> imsis = new HashSet<>();
    dsl.select(SIMS.ICCID, SIMS.IMSI)
        .from(SIMS)
        .where(SIMS.ORGANIZATION_ID.eq(organizationId))
        .and(
            SIMS.ICCID
                .in(sims.stream().map(NewSim::iccid).toList())
                .or(SIMS.IMSI.in(sims.stream().map(NewSim::imsi).toList())))
        .forEach(
            r -> {
              iccids.add(r.value1());
              imsis.add(r.value2());
            });
    List<String> deviceIds = sims.stream().map(NewSim::deviceId).filter(d -> d != null).toList();
    Set<String> devices = new HashSet<>();
    Map<String, String> held = new HashMap<>();
    if (!deviceIds.isEmpty()) {
      devices.addAll(
          dsl.select(DEVICES.ID)
              .from(DEVICES)
              .where(DEVICES.ORGANIZATION_ID.eq(organizationId))
              .and(DEVICES.ID.in(deviceIds))
              .fetch(DEVICES.ID));
      dsl.select(SIMS.DEVICE_ID, SIMS.ICCID)
          .from(SIMS)
          .where(SIMS.ORGANIZATION_ID.eq(organizationId))
          .and(SIMS.DEVICE_ID.in(deviceIds))
          .forEach(r -> held.put(r.value1(), r.value2()));
    }
    for (NewSim sim : sims) {
      if (iccids.contains(sim.iccid())) {
        errors.add(new RowError(sim.line(), "iccid", "a SIM with this ICCID" + EXISTS_SUFFIX));
      }
      if (imsis.contains(sim.imsi())) {
        errors.add(new RowError(sim.line(), "imsi", "a SIM with this IMSI" + EXISTS_SUFFIX));
      }
      if (sim.deviceId() != null) {
        if (!devices.contains(sim.deviceId())) {
          errors.add(new RowError(sim.line(), "device_id", MISSING_PREFIX + sim.deviceId()));
        } else if (held.containsKey(sim.deviceId())) {
          errors.add(
              new RowError(
                  sim.line(),
                  "device_id",
                  HELD_PREFIX + held.get(sim.deviceId()) + "; unassign that one first"));
        }
      }
    }
  }

  private static final String HELD_PREFIX = "the device holds SIM ";
  private static final String MISSING_PREFIX = "no device ";
  private static final String EXISTS_SUFFIX = " exists";

  private static void insert(DSLContext tx, Caller caller, List<NewSim> sims, List<UUID> ids) {
    // In chunks, so that 10,000 rows are a few statements and none has too many bind values.
    for (int from = 0; from < sims.size(); from += 1000) {
      var insert =
          tx.insertInto(
              SIMS,
              SIMS.ID,
              SIMS.ORGANIZATION_ID,
              SIMS.ICCID,
              SIMS.IMSI,
              SIMS.CARRIER,
              SIMS.MONTHLY_CAP_BYTES,
              SIMS.OVERAGE_POLICY,
              SIMS.DEVICE_ID,
              SIMS.CREATED_BY);
      for (int i = from; i < Math.min(sims.size(), from + 1000); i++) {
        NewSim s = sims.get(i);
        insert =
            insert.values(
                ids.get(i),
                caller.organizationId(),
                s.iccid(),
                s.imsi(),
                s.carrier(),
                s.monthlyCapBytes(),
                s.overagePolicy(),
                s.deviceId(),
                caller.actor());
      }
      insert.execute();
    }
  }

  private static ApiException refused(List<RowError> errors, int rowCount) {
    long badRows = errors.stream().map(RowError::line).distinct().count();
    return new ApiException(
        ErrorCode.INVALID_ARGUMENT,
        "nothing was imported: "
            + badRows
            + (rowCount > 0 ? " of " + rowCount : "")
            + " row(s) refused, each listed in rows with its line, column and reason",
        Map.<String, Object>of("rows", errors.stream().map(RowError::json).toList()));
  }

  /**
   * Runs a write; a unique violation (a SIM, IMSI or device taken by a concurrent request since the
   * checks) is a typed refusal, not an internal error.
   */
  private static void translating(Runnable write) {
    try {
      write.run();
    } catch (ApiException e) {
      throw e;
    } catch (RuntimeException e) {
      if (UniqueViolations.isUniqueViolation(e)) {
        throw new ApiException(
            ErrorCode.CONFLICT,
            "another request took the same ICCID, IMSI or device meanwhile; nothing was written",
            e);
      }
      throw e;
    }
  }

  private static String checked(String problem, String name, String value) {
    if (problem != null) {
      throw ApiException.invalid(name + ": " + problem);
    }
    return value;
  }

  /** The GraphQL input field a CSV column stands for. */
  private static String inputName(String column) {
    if (column == null) {
      return "input";
    }
    return switch (column) {
      case "monthly_cap_bytes" -> "monthlyCapBytes";
      case "overage_policy" -> "overagePolicy";
      case "device_id" -> "deviceId";
      default -> column;
    };
  }

  private static String clip(String value) {
    return value.length() <= 40 ? value : value.substring(0, 40) + "...";
  }

  public Sim require(UUID organizationId, String id) {
    return Ids.parse(id)
        .flatMap(
            uuid ->
                dsl.selectFrom(SIMS)
                    .where(SIMS.ORGANIZATION_ID.eq(organizationId))
                    .and(SIMS.ID.eq(uuid))
                    .fetchOptional(Sims::toSim))
        .orElseThrow(() -> ApiException.notFound("SIM", id));
  }

  static Sim toSim(SimsRecord r) {
    return new Sim(
        r.getId().toString(),
        r.getIccid(),
        r.getImsi(),
        r.getCarrier(),
        r.getStatus(),
        r.getMonthlyCapBytes(),
        r.getOveragePolicy(),
        r.getDeviceId(),
        r.getCreatedBy(),
        r.getCreatedAt(),
        r.getUpdatedAt());
  }
}
