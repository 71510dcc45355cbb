package dev.firmament.api.cloudcode;

import static dev.firmament.sql.generated.Tables.CLOUD_CODE_FUNCTIONS;
import static dev.firmament.sql.generated.Tables.CLOUD_CODE_INVOCATIONS;
import static dev.firmament.sql.generated.Tables.CLOUD_CODE_RUNS;
import static dev.firmament.sql.generated.Tables.CLOUD_CODE_VERSIONS;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firmament.api.event.Event;
import dev.firmament.api.event.EventStreams;
import dev.firmament.api.live.ChangeCursor;
import dev.firmament.api.live.ChangeEvent;
import dev.firmament.api.live.FeedCursors;
import dev.firmament.cloudcode.Sandbox;
import dev.firmament.sql.generated.tables.records.CloudCodeFunctionsRecord;
import dev.firmament.sql.generated.tables.records.CloudCodeInvocationsRecord;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.stereotype.Repository;

/**
 * The running side's reads and writes: the dispatcher's fan-out from the change feed into
 * invocations, the schedules, the claims on invocations, and each run's record, each in one
 * transaction.
 */
@Repository
public class CloudCodeOutbox {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final DSLContext dsl;

  public CloudCodeOutbox(DSLContext dsl) {
    this.dsl = dsl;
  }

  /**
   * Reads up to {@code limit} settled changes after the dispatcher's cursor and writes an
   * invocation for every enabled event function each is for, skipping events cloud code published
   * itself; moves the cursor; one transaction. Another process dispatching meanwhile skips.
   *
   * @return the changes read
   */
  public int dispatch(int limit) {
    return dsl.transactionResult(
        configuration -> {
          DSLContext tx = configuration.dsl();
          List<ChangeEvent> read = FeedCursors.lockAndRead(tx, "cloud_code_dispatch", limit);
          if (read.isEmpty()) {
            return 0;
          }
          List<CloudCodeFunctionsRecord> functions =
              tx.selectFrom(CLOUD_CODE_FUNCTIONS)
                  .where(CLOUD_CODE_FUNCTIONS.TRIGGER.eq("EVENT"))
                  .and(CLOUD_CODE_FUNCTIONS.ENABLED.isTrue())
                  .fetch();
          List<CloudCodeInvocationsRecord> invocations = new ArrayList<>();
          for (ChangeEvent change : read) {
            if (change.event() != null && "code".equals(change.event().source())) {
              continue;
            }
            for (CloudCodeFunctionsRecord f : functions) {
              if (!change
                  .cursor()
                  .isAfter(new ChangeCursor(f.getStartsAfterTx(), f.getStartsAfterId()))) {
                continue;
              }
              EventStreams.kept(change, filter(f))
                  .ifPresent(event -> invocations.add(invocation(f, event)));
            }
          }
          if (!invocations.isEmpty()) {
            tx.batchInsert(invocations).execute();
          }
          FeedCursors.advance(tx, "cloud_code_dispatch", read);
          return read.size();
        });
  }

  private static EventStreams.Checked filter(CloudCodeFunctionsRecord f) {
    return new EventStreams.Checked(
        f.getOrganizationId(), f.getNamePrefix(), f.getDeviceId(), f.getProductId(), f.getSource());
  }

  /** The event as a handler gets it: its fields as JSON. */
  static String payload(Event event) {
    ObjectNode o = JSON.createObjectNode();
    o.put("event", event.name());
    o.put("data", event.data());
    o.put("deviceId", event.deviceId());
    o.put("productId", event.productId() == null ? null : event.productId().toString());
    o.put("publishedAt", event.publishedAt().toInstant().toString());
    o.put("eventId", event.id() == null ? null : Long.valueOf(event.id()));
    o.put("source", event.source());
    return o.toString();
  }

  private static CloudCodeInvocationsRecord invocation(CloudCodeFunctionsRecord f, Event event) {
    CloudCodeInvocationsRecord r = new CloudCodeInvocationsRecord();
    r.setFunctionId(f.getId());
    r.setOrganizationId(f.getOrganizationId());
    r.setTrigger("EVENT");
    r.setEventName(event.name());
    r.setPayload(payload(event));
    return r;
  }

  /**
   * Writes an invocation for every enabled scheduled function that is due, with its time as the
   * event ({@code {"scheduledAt": ...}}), and moves each one's next run on by its interval.
   *
   * @return the invocations written
   */
  public int schedules() {
    return dsl.transactionResult(
        configuration -> {
          DSLContext tx = configuration.dsl();
          List<CloudCodeFunctionsRecord> due =
              tx.selectFrom(CLOUD_CODE_FUNCTIONS)
                  .where(CLOUD_CODE_FUNCTIONS.TRIGGER.eq("SCHEDULE"))
                  .and(CLOUD_CODE_FUNCTIONS.ENABLED.isTrue())
                  .and(CLOUD_CODE_FUNCTIONS.NEXT_RUN_AT.le(OffsetDateTime.now()))
                  .forUpdate()
                  .skipLocked()
                  .fetch();
          for (CloudCodeFunctionsRecord f : due) {
            OffsetDateTime at = f.getNextRunAt();
            OffsetDateTime next = at.plusSeconds(f.getEverySeconds());
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            // Runs missed while nothing ran are not made up: the next one is in the future.
            while (!next.isAfter(now)) {
              next = next.plusSeconds(f.getEverySeconds());
            }
            tx.insertInto(CLOUD_CODE_INVOCATIONS)
                .set(CLOUD_CODE_INVOCATIONS.FUNCTION_ID, f.getId())
                .set(CLOUD_CODE_INVOCATIONS.ORGANIZATION_ID, f.getOrganizationId())
                .set(CLOUD_CODE_INVOCATIONS.TRIGGER, "SCHEDULE")
                .set(
                    CLOUD_CODE_INVOCATIONS.PAYLOAD,
                    JSON.createObjectNode()
                        .put("scheduledAt", at.toInstant().toString())
                        .toString())
                .execute();
            tx.update(CLOUD_CODE_FUNCTIONS)
                .set(CLOUD_CODE_FUNCTIONS.NEXT_RUN_AT, next)
                .where(CLOUD_CODE_FUNCTIONS.ID.eq(f.getId()))
                .execute();
          }
          return due.size();
        });
  }

  /** An invocation claimed to run, with what the run needs. */
  public record Claimed(
      long invocationId,
      UUID functionId,
      UUID organizationId,
      String actor,
      String handler,
      UUID cloudCodeId,
      int version,
      String trigger,
      String eventName,
      String payload,
      List<String> httpTargets) {}

  /**
   * Claims up to {@code limit} invocations, the oldest first: pending ones, and running ones whose
   * claim expired (their process stopped mid-run), for {@code claim}.
   */
  public List<Claimed> claim(String owner, int limit, Duration claim) {
    if (limit <= 0) {
      return List.of();
    }
    return dsl.resultQuery(
            "with claimed as (update cloud_code_invocations set state = 'RUNNING',"
                + " claimed_by = ?, claimed_until = now() + ? * interval '1 millisecond'"
                + " where id in (select id from cloud_code_invocations"
                + " where state = 'PENDING' or (state = 'RUNNING' and claimed_until < now())"
                // The limit is written into the statement: as a parameter, the server's generic
                // plan of the prepared statement guesses a tenth of the table and joins it by
                // scanning all of it (about 100 ms a claim at 60,000 invocations, where the
                // index walk takes a few).
                + " order by id limit "
                + limit
                + " for update skip locked)"
                + " returning id, function_id, trigger, event_name, payload)"
                + " select c.id, c.function_id, f.organization_id, k.name, f.name, f.handler,"
                + " f.cloud_code_id, k.version, c.trigger, c.event_name, c.payload, f.http_targets"
                + " from claimed c join cloud_code_functions f on f.id = c.function_id"
                + " join cloud_code k on k.id = f.cloud_code_id order by c.id",
            owner,
            claim.toMillis())
        .fetch(
            r ->
                new Claimed(
                    r.get(0, Long.class),
                    r.get(1, UUID.class),
                    r.get(2, UUID.class),
                    actor(r.get(3, String.class), r.get(4, String.class)),
                    r.get(5, String.class),
                    r.get(6, UUID.class),
                    r.get(7, Integer.class),
                    r.get(8, String.class),
                    r.get(9, String.class),
                    r.get(10, String.class),
                    r.get(11, String.class).isEmpty()
                        ? List.of()
                        : List.of(r.get(11, String.class).split(" "))));
  }

  /** Who a function acts as in what it writes (a ledger's {@code updatedBy}, the audit). */
  static String actor(String cloudCode, String function) {
    return "cloud-code:" + cloudCode + "/" + function;
  }

  /** A version's module bytes. */
  public byte[] module(UUID cloudCodeId, int version) {
    return dsl.select(CLOUD_CODE_VERSIONS.MODULE)
        .from(CLOUD_CODE_VERSIONS)
        .where(CLOUD_CODE_VERSIONS.CLOUD_CODE_ID.eq(cloudCodeId))
        .and(CLOUD_CODE_VERSIONS.VERSION.eq(version))
        .fetchSingle(CLOUD_CODE_VERSIONS.MODULE);
  }

  /**
   * Records a run and, for an invocation, marks it done, in one transaction.
   *
   * @param invocationId the invocation, or null for a run an operator asked for
   */
  public long record(
      Long invocationId,
      UUID functionId,
      UUID organizationId,
      int version,
      String trigger,
      String eventName,
      Sandbox.Run run) {
    return dsl.transactionResult(
        configuration -> {
          DSLContext tx = configuration.dsl();
          long id =
              tx.insertInto(CLOUD_CODE_RUNS)
                  .set(CLOUD_CODE_RUNS.FUNCTION_ID, functionId)
                  .set(CLOUD_CODE_RUNS.ORGANIZATION_ID, organizationId)
                  .set(CLOUD_CODE_RUNS.INVOCATION_ID, invocationId)
                  .set(CLOUD_CODE_RUNS.VERSION, version)
                  .set(CLOUD_CODE_RUNS.TRIGGER, trigger)
                  .set(CLOUD_CODE_RUNS.EVENT_NAME, eventName)
                  .set(CLOUD_CODE_RUNS.STATUS, run.status().name())
                  .set(CLOUD_CODE_RUNS.MESSAGE, excerpt(run.message()))
                  .set(CLOUD_CODE_RUNS.RETURN_CODE, run.returnCode())
                  .set(CLOUD_CODE_RUNS.LOG, String.join("\n", run.log()))
                  .set(CLOUD_CODE_RUNS.INSTRUCTIONS, run.instructions())
                  .set(
                      CLOUD_CODE_RUNS.DURATION_MS,
                      (int) Math.min(Integer.MAX_VALUE, run.took().toMillis()))
                  .returning(CLOUD_CODE_RUNS.ID)
                  .fetchSingle(CLOUD_CODE_RUNS.ID);
          if (invocationId != null) {
            tx.update(CLOUD_CODE_INVOCATIONS)
                .set(CLOUD_CODE_INVOCATIONS.STATE, "DONE")
                .where(CLOUD_CODE_INVOCATIONS.ID.eq(invocationId))
                .execute();
          }
          return id;
        });
  }

  /** Deletes runs and finished invocations older than {@code retention}. */
  public int prune(Duration retention) {
    OffsetDateTime before = OffsetDateTime.now().minus(retention);
    return dsl.deleteFrom(CLOUD_CODE_RUNS).where(CLOUD_CODE_RUNS.STARTED_AT.lt(before)).execute()
        + dsl.deleteFrom(CLOUD_CODE_INVOCATIONS)
            .where(CLOUD_CODE_INVOCATIONS.STATE.eq("DONE"))
            .and(CLOUD_CODE_INVOCATIONS.CREATED_AT.lt(before))
            .execute();
  }

  private static String excerpt(String text) {
    return text == null || text.length() <= 500 ? text : text.substring(0, 499) + "…";
  }
}
