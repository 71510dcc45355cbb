package dev.firmament.api.cloud;

import static dev.firmament.sql.generated.Tables.DEVICE_LOGS;
import static dev.firmament.sql.generated.Tables.DEVICE_VITALS;
import static dev.firmament.sql.generated.Tables.DIAGNOSTIC_EVENTS;
import static dev.firmament.sql.generated.Tables.EVENTS;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.api.AnyOf;
import dev.firmament.api.Page;
import dev.firmament.api.event.Event;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SortField;
import org.jooq.Table;
import org.springframework.stereotype.Repository;

/** What devices reported about their health, and what the platform concluded from it. */
@Repository
public class TelemetryRepository {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Log levels from the most severe; a minimum level keeps itself and those before it. */
  static final List<String> LEVELS = List.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE");

  private final DSLContext dsl;

  public TelemetryRepository(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** Each device's latest vitals, by measurement time; devices without any are left out. */
  public Map<String, DeviceVitals> latest(UUID organizationId, Collection<String> deviceIds) {
    Map<String, DeviceVitals> result = new HashMap<>();
    dsl.select(DEVICE_VITALS.asterisk())
        .distinctOn(DEVICE_VITALS.DEVICE_ID)
        .from(DEVICE_VITALS)
        .where(DEVICE_VITALS.ORGANIZATION_ID.eq(organizationId))
        .and(AnyOf.strings(DEVICE_VITALS.DEVICE_ID, deviceIds))
        .orderBy(DEVICE_VITALS.DEVICE_ID, DEVICE_VITALS.MEASURED_AT.desc(), DEVICE_VITALS.ID.desc())
        .forEach(r -> result.put(r.get(DEVICE_VITALS.DEVICE_ID), vitals(r, DEVICE_VITALS)));
    return result;
  }

  /** A page of each device's vitals, the newest first. */
  public Map<String, Page<DeviceVitals>> vitalsPages(
      UUID organizationId, Collection<String> deviceIds, int offset, int limit) {
    return DevicePages.query(
        dsl,
        DEVICE_VITALS,
        DEVICE_VITALS.DEVICE_ID,
        DEVICE_VITALS.ORGANIZATION_ID.eq(organizationId),
        new SortField<?>[] {DEVICE_VITALS.MEASURED_AT.desc(), DEVICE_VITALS.ID.desc()},
        deviceIds,
        offset,
        limit,
        (r, t) -> vitals(r, t));
  }

  /** A page of each device's log lines of {@code minLevel} or more severe, the newest first. */
  public Map<String, Page<DeviceLog>> logPages(
      UUID organizationId, Collection<String> deviceIds, int offset, int limit, String minLevel) {
    List<String> levels =
        minLevel == null ? LEVELS : LEVELS.subList(0, LEVELS.indexOf(minLevel) + 1);
    return DevicePages.query(
        dsl,
        DEVICE_LOGS,
        DEVICE_LOGS.DEVICE_ID,
        DEVICE_LOGS.ORGANIZATION_ID.eq(organizationId).and(DEVICE_LOGS.LOG_LEVEL.in(levels)),
        new SortField<?>[] {DEVICE_LOGS.LOGGED_AT.desc(), DEVICE_LOGS.ID.desc()},
        deviceIds,
        offset,
        limit,
        (r, t) ->
            new DeviceLog(
                r.get(t.field(DEVICE_LOGS.DEVICE_ID)),
                r.get(t.field(DEVICE_LOGS.LOGGED_AT)),
                r.get(t.field(DEVICE_LOGS.RECEIVED_AT)),
                r.get(t.field(DEVICE_LOGS.LOG_LEVEL)),
                r.get(t.field(DEVICE_LOGS.MESSAGE))));
  }

  /** A page of each device's diagnostic events, the newest first. */
  public Map<String, Page<DiagnosticEvent>> diagnosticPages(
      UUID organizationId, Collection<String> deviceIds, int offset, int limit) {
    return DevicePages.query(
        dsl,
        DIAGNOSTIC_EVENTS,
        DIAGNOSTIC_EVENTS.DEVICE_ID,
        DIAGNOSTIC_EVENTS.ORGANIZATION_ID.eq(organizationId),
        new SortField<?>[] {DIAGNOSTIC_EVENTS.OCCURRED_AT.desc(), DIAGNOSTIC_EVENTS.ID.desc()},
        deviceIds,
        offset,
        limit,
        (r, t) ->
            new DiagnosticEvent(
                r.get(t.field(DIAGNOSTIC_EVENTS.ID)).toString(),
                r.get(t.field(DIAGNOSTIC_EVENTS.DEVICE_ID)),
                r.get(t.field(DIAGNOSTIC_EVENTS.OCCURRED_AT)),
                r.get(t.field(DIAGNOSTIC_EVENTS.KIND)),
                r.get(t.field(DIAGNOSTIC_EVENTS.SEVERITY)),
                r.get(t.field(DIAGNOSTIC_EVENTS.DETAIL)),
                r.get(t.field(DIAGNOSTIC_EVENTS.FIRMWARE_VERSION))));
  }

  /** A page of each device's backfilled events (kept while offline), the newest first. */
  public Map<String, Page<BackfillEvent>> backfillPages(
      UUID organizationId, Collection<String> deviceIds, int offset, int limit) {
    return DevicePages.query(
        dsl,
        EVENTS,
        EVENTS.DEVICE_ID,
        EVENTS.ORGANIZATION_ID.eq(organizationId).and(EVENTS.BACKFILLED.isTrue()),
        new SortField<?>[] {EVENTS.PUBLISHED_AT.desc(), EVENTS.ID.desc()},
        deviceIds,
        offset,
        limit,
        (r, t) ->
            new BackfillEvent(
                new Event(
                    null,
                    r.get(t.field(EVENTS.ID)).toString(),
                    r.get(t.field(EVENTS.NAME)),
                    r.get(t.field(EVENTS.DATA)),
                    r.get(t.field(EVENTS.TTL_SECONDS)),
                    r.get(t.field(EVENTS.SCOPE)).toUpperCase(java.util.Locale.ROOT),
                    r.get(t.field(EVENTS.SOURCE)).toUpperCase(java.util.Locale.ROOT),
                    r.get(t.field(EVENTS.DEVICE_ID)),
                    r.get(t.field(EVENTS.PRODUCT_ID)),
                    r.get(t.field(EVENTS.PUBLISHED_AT)),
                    true),
                r.get(t.field(EVENTS.STORED_AT))));
  }

  private static DeviceVitals vitals(Record r, Table<?> t) {
    return new DeviceVitals(
        r.get(t.field(DEVICE_VITALS.DEVICE_ID)),
        r.get(t.field(DEVICE_VITALS.MEASURED_AT)),
        r.get(t.field(DEVICE_VITALS.RECEIVED_AT)),
        r.get(t.field(DEVICE_VITALS.FIRMWARE_VERSION)),
        r.get(t.field(DEVICE_VITALS.UPTIME_SECONDS)),
        r.get(t.field(DEVICE_VITALS.RESET_REASON)),
        r.get(t.field(DEVICE_VITALS.BOOT_COUNT)),
        r.get(t.field(DEVICE_VITALS.FREE_MEMORY)),
        r.get(t.field(DEVICE_VITALS.TOTAL_MEMORY)),
        r.get(t.field(DEVICE_VITALS.SIGNAL_STRENGTH)),
        r.get(t.field(DEVICE_VITALS.SIGNAL_QUALITY)),
        diagnostics(r.get(t.field(DEVICE_VITALS.DIAGNOSTICS))),
        Boolean.TRUE.equals(r.get(t.field(DEVICE_VITALS.BACKFILLED))));
  }

  private static List<DeviceVitals.DiagnosticValue> diagnostics(String json) {
    try {
      Map<String, Double> values =
          JSON.readValue(json, new TypeReference<LinkedHashMap<String, Double>>() {});
      List<DeviceVitals.DiagnosticValue> list = new ArrayList<>(values.size());
      values.forEach((name, value) -> list.add(new DeviceVitals.DiagnosticValue(name, value)));
      return list;
    } catch (JsonProcessingException e) {
      // The workers wrote it from a parsed report; a row that does not parse shows none.
      return List.of();
    }
  }
}
