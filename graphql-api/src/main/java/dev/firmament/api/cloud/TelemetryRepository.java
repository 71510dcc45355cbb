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
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination.Window;
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
        .forEach(r -> result.put(r.get(DEVICE_VITALS.DEVICE_ID), vitals(r)));
    return result;
  }

  /** A page of each device's vitals, the newest first. */
  public Map<String, Page<DeviceVitals>> vitalsPages(
      UUID organizationId, Collection<String> deviceIds, Window window) {
    return Paged.pagesOf(
        dsl,
        List.of(DEVICE_VITALS.asterisk()),
        DEVICE_VITALS,
        DEVICE_VITALS.ORGANIZATION_ID.eq(organizationId),
        DEVICE_VITALS.DEVICE_ID,
        deviceIds,
        window,
        List.of(DEVICE_VITALS.MEASURED_AT.desc(), DEVICE_VITALS.ID.desc()),
        row -> vitals(row.into(DEVICE_VITALS)));
  }

  /** A page of each device's log lines of {@code minLevel} or more severe, the newest first. */
  public Map<String, Page<DeviceLog>> logPages(
      UUID organizationId, Collection<String> deviceIds, Window window, String minLevel) {
    List<String> levels =
        minLevel == null ? LEVELS : LEVELS.subList(0, LEVELS.indexOf(minLevel) + 1);
    return Paged.pagesOf(
        dsl,
        List.of(DEVICE_LOGS.asterisk()),
        DEVICE_LOGS,
        DEVICE_LOGS.ORGANIZATION_ID.eq(organizationId).and(DEVICE_LOGS.LOG_LEVEL.in(levels)),
        DEVICE_LOGS.DEVICE_ID,
        deviceIds,
        window,
        List.of(DEVICE_LOGS.LOGGED_AT.desc(), DEVICE_LOGS.ID.desc()),
        row -> {
          Record r = row.into(DEVICE_LOGS);
          return new DeviceLog(
              r.get(DEVICE_LOGS.DEVICE_ID),
              r.get(DEVICE_LOGS.LOGGED_AT),
              r.get(DEVICE_LOGS.RECEIVED_AT),
              r.get(DEVICE_LOGS.LOG_LEVEL),
              r.get(DEVICE_LOGS.MESSAGE));
        });
  }

  /** A page of each device's diagnostic events, the newest first. */
  public Map<String, Page<DiagnosticEvent>> diagnosticPages(
      UUID organizationId, Collection<String> deviceIds, Window window) {
    return Paged.pagesOf(
        dsl,
        List.of(DIAGNOSTIC_EVENTS.asterisk()),
        DIAGNOSTIC_EVENTS,
        DIAGNOSTIC_EVENTS.ORGANIZATION_ID.eq(organizationId),
        DIAGNOSTIC_EVENTS.DEVICE_ID,
        deviceIds,
        window,
        List.of(DIAGNOSTIC_EVENTS.OCCURRED_AT.desc(), DIAGNOSTIC_EVENTS.ID.desc()),
        row -> {
          Record r = row.into(DIAGNOSTIC_EVENTS);
          return new DiagnosticEvent(
              r.get(DIAGNOSTIC_EVENTS.ID).toString(),
              r.get(DIAGNOSTIC_EVENTS.DEVICE_ID),
              r.get(DIAGNOSTIC_EVENTS.OCCURRED_AT),
              r.get(DIAGNOSTIC_EVENTS.KIND),
              r.get(DIAGNOSTIC_EVENTS.SEVERITY),
              r.get(DIAGNOSTIC_EVENTS.DETAIL),
              r.get(DIAGNOSTIC_EVENTS.FIRMWARE_VERSION));
        });
  }

  /** A page of each device's backfilled events (kept while offline), the newest first. */
  public Map<String, Page<BackfillEvent>> backfillPages(
      UUID organizationId, Collection<String> deviceIds, Window window) {
    return Paged.pagesOf(
        dsl,
        List.of(EVENTS.asterisk()),
        EVENTS,
        EVENTS.ORGANIZATION_ID.eq(organizationId).and(EVENTS.BACKFILLED.isTrue()),
        EVENTS.DEVICE_ID,
        deviceIds,
        window,
        List.of(EVENTS.PUBLISHED_AT.desc(), EVENTS.ID.desc()),
        row -> {
          Record r = row.into(EVENTS);
          return new BackfillEvent(
              new Event(
                  null,
                  r.get(EVENTS.ID).toString(),
                  r.get(EVENTS.NAME),
                  r.get(EVENTS.DATA),
                  r.get(EVENTS.TTL_SECONDS),
                  r.get(EVENTS.SCOPE).toUpperCase(java.util.Locale.ROOT),
                  r.get(EVENTS.SOURCE).toUpperCase(java.util.Locale.ROOT),
                  r.get(EVENTS.DEVICE_ID),
                  r.get(EVENTS.PRODUCT_ID),
                  r.get(EVENTS.PUBLISHED_AT),
                  true),
              r.get(EVENTS.STORED_AT));
        });
  }

  private static DeviceVitals vitals(Record r) {
    return new DeviceVitals(
        r.get(DEVICE_VITALS.DEVICE_ID),
        r.get(DEVICE_VITALS.MEASURED_AT),
        r.get(DEVICE_VITALS.RECEIVED_AT),
        r.get(DEVICE_VITALS.FIRMWARE_VERSION),
        r.get(DEVICE_VITALS.UPTIME_SECONDS),
        r.get(DEVICE_VITALS.RESET_REASON),
        r.get(DEVICE_VITALS.BOOT_COUNT),
        r.get(DEVICE_VITALS.FREE_MEMORY),
        r.get(DEVICE_VITALS.TOTAL_MEMORY),
        r.get(DEVICE_VITALS.SIGNAL_STRENGTH),
        r.get(DEVICE_VITALS.SIGNAL_QUALITY),
        diagnostics(r.get(DEVICE_VITALS.DIAGNOSTICS)),
        Boolean.TRUE.equals(r.get(DEVICE_VITALS.BACKFILLED)));
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
