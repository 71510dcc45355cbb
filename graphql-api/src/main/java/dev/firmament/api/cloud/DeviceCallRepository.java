package dev.firmament.api.cloud;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_CALLS;
import static dev.firmament.sql.generated.Tables.DEVICE_CONNECTIONS;
import static dev.firmament.sql.generated.Tables.DEVICE_FUNCTIONS;
import static dev.firmament.sql.generated.Tables.DEVICE_VARIABLES;

import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination.Window;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Repository;

/** Declarations a call is checked against, and the record of every call. */
@Repository
public class DeviceCallRepository {
  private final DSLContext dsl;

  public DeviceCallRepository(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** Whether the device declared a function of this name. */
  public boolean declaresFunction(UUID organizationId, String deviceId, String name) {
    return dsl.fetchExists(
        DEVICE_FUNCTIONS,
        DEVICE_FUNCTIONS.ORGANIZATION_ID.eq(organizationId),
        DEVICE_FUNCTIONS.DEVICE_ID.eq(deviceId),
        DEVICE_FUNCTIONS.NAME.eq(name));
  }

  /** The declared type of a device's variable, if it declared one of this name. */
  public Optional<String> variableType(UUID organizationId, String deviceId, String name) {
    return dsl.select(DEVICE_VARIABLES.TYPE)
        .from(DEVICE_VARIABLES)
        .where(DEVICE_VARIABLES.ORGANIZATION_ID.eq(organizationId))
        .and(DEVICE_VARIABLES.DEVICE_ID.eq(deviceId))
        .and(DEVICE_VARIABLES.NAME.eq(name))
        .fetchOptional(DEVICE_VARIABLES.TYPE);
  }

  /**
   * One call as it ended. {@code latencyMs} is null when nothing was sent.
   *
   * @param outcome {@code ok}, {@code offline}, {@code timeout}, {@code refused} or {@code
   *     unavailable}
   */
  public record CallRecord(
      UUID id,
      UUID organizationId,
      String deviceId,
      String kind,
      String name,
      int argumentBytes,
      String actor,
      OffsetDateTime calledAt,
      String outcome,
      Integer returnValue,
      String result,
      String resultType,
      String errorCode,
      Integer latencyMs) {}

  /**
   * Records a call; when the device answered, it was heard then ({@code last_heard} moves forward,
   * never back).
   */
  public void record(CallRecord call, OffsetDateTime heardAt) {
    dsl.transaction(
        tx -> {
          DSLContext t = tx.dsl();
          t.insertInto(DEVICE_CALLS)
              .set(DEVICE_CALLS.ID, call.id())
              .set(DEVICE_CALLS.ORGANIZATION_ID, call.organizationId())
              .set(DEVICE_CALLS.DEVICE_ID, call.deviceId())
              .set(DEVICE_CALLS.KIND, call.kind())
              .set(DEVICE_CALLS.NAME, call.name())
              .set(DEVICE_CALLS.ARGUMENT_BYTES, call.argumentBytes())
              .set(DEVICE_CALLS.ACTOR, call.actor())
              .set(DEVICE_CALLS.CALLED_AT, call.calledAt())
              .set(DEVICE_CALLS.OUTCOME, call.outcome())
              .set(DEVICE_CALLS.RETURN_VALUE, call.returnValue())
              .set(DEVICE_CALLS.RESULT, call.result())
              .set(DEVICE_CALLS.RESULT_TYPE, call.resultType())
              .set(DEVICE_CALLS.ERROR_CODE, call.errorCode())
              .set(DEVICE_CALLS.LATENCY_MS, call.latencyMs())
              .execute();
          if (heardAt != null) {
            t.update(DEVICES)
                .set(
                    DEVICES.LAST_HEARD,
                    DSL.greatest(DSL.coalesce(DEVICES.LAST_HEARD, heardAt), DSL.val(heardAt)))
                .where(DEVICES.ID.eq(call.deviceId()))
                .and(DEVICES.ORGANIZATION_ID.eq(call.organizationId()))
                .execute();
          }
        });
  }

  /**
   * A page of each device's calls, the newest first, in one query: every device is answered, with
   * an empty page when it has none there.
   */
  public Map<String, Page<DeviceCall>> pages(
      UUID organizationId, Collection<String> deviceIds, Window window) {
    return Paged.pagesOf(
        dsl,
        List.of(DEVICE_CALLS.asterisk()),
        DEVICE_CALLS,
        DEVICE_CALLS.ORGANIZATION_ID.eq(organizationId),
        DEVICE_CALLS.DEVICE_ID,
        deviceIds,
        window,
        List.of(DEVICE_CALLS.CALLED_AT.desc(), DEVICE_CALLS.ID.desc()),
        row -> toCall(row.into(DEVICE_CALLS)));
  }

  /**
   * A page of each device's connections, the newest first, in one query: every device is answered,
   * with an empty page when it has none there.
   */
  public Map<String, Page<ReconnectionEvent>> connectionPages(
      UUID organizationId, Collection<String> deviceIds, Window window) {
    return Paged.pagesOf(
        dsl,
        List.of(DEVICE_CONNECTIONS.asterisk()),
        DEVICE_CONNECTIONS,
        DEVICE_CONNECTIONS.ORGANIZATION_ID.eq(organizationId),
        DEVICE_CONNECTIONS.DEVICE_ID,
        deviceIds,
        window,
        List.of(DEVICE_CONNECTIONS.CONNECTED_AT.desc(), DEVICE_CONNECTIONS.ID.desc()),
        row -> {
          Record r = row.into(DEVICE_CONNECTIONS);
          return new ReconnectionEvent(
              r.get(DEVICE_CONNECTIONS.DEVICE_ID),
              r.get(DEVICE_CONNECTIONS.CONNECTED_AT),
              r.get(DEVICE_CONNECTIONS.DISCONNECTED_AT),
              r.get(DEVICE_CONNECTIONS.PREVIOUS_DISCONNECT));
        });
  }

  private static DeviceCall toCall(Record r) {
    String type = r.get(DEVICE_CALLS.RESULT_TYPE);
    return new DeviceCall(
        r.get(DEVICE_CALLS.ID).toString(),
        r.get(DEVICE_CALLS.DEVICE_ID),
        r.get(DEVICE_CALLS.KIND).toUpperCase(Locale.ROOT),
        r.get(DEVICE_CALLS.NAME),
        r.get(DEVICE_CALLS.ARGUMENT_BYTES),
        r.get(DEVICE_CALLS.ACTOR),
        r.get(DEVICE_CALLS.CALLED_AT),
        r.get(DEVICE_CALLS.OUTCOME).toUpperCase(Locale.ROOT),
        r.get(DEVICE_CALLS.RETURN_VALUE),
        DeviceCall.value(r.get(DEVICE_CALLS.RESULT), type),
        type,
        r.get(DEVICE_CALLS.ERROR_CODE),
        r.get(DEVICE_CALLS.LATENCY_MS));
  }
}
