package dev.firmament.launcher.bench;

import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.launcher.DevServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Query;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * Cloud code through the API: the whole stack in one process on the embedded services, one function
 * (the echo handler: it logs a line and publishes the event it was given as {@code cloud/echo}) on
 * every event named {@code bench/...}, and events committed at {@code RATE} per second for {@code
 * SECONDS}. Each run goes the production way: the change feed, an invocation row, a claim, the
 * sandbox, the run's row and the published event, with the default settings ({@code concurrency} 2,
 * {@code poll-interval} 200 ms). Prints progress every ten seconds, then drains and prints a RESULT
 * line: runs per second, how they ended, the delay from the event to the echo it caused at p50, p99
 * and max (both times from PostgreSQL), and the share of a run's time spent in the sandbox. Not
 * part of the test suite; bench/cloud-code/api.sh runs it.
 *
 * <p>Usage: {@code CloudCodeApiBench DATA_DIR MODULE.wasm [RATE] [SECONDS]}.
 */
public final class CloudCodeApiBench {
  private CloudCodeApiBench() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    byte[] module = Files.readAllBytes(Path.of(args[1]));
    int rate = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 60;
    int total = rate * seconds;
    Map<String, String> settings =
        Map.of(
            "firmament.api.rate-limit.requests-per-second", "1000000",
            "firmament.api.rate-limit.burst", "1000000");
    try (DevServer server = DevServer.start(DevStackOptions.onFreePorts(data), 0, settings)) {
      GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
      String codeId =
          api.execute(
                  "mutation($i: DeployCloudCodeInput!) { deployCloudCode(input: $i) {"
                      + " cloudCode { id } } }",
                  Map.of(
                      "i",
                      Map.of(
                          "name", "bench", "module", Base64.getEncoder().encodeToString(module))))
              .path("deployCloudCode")
              .path("cloudCode")
              .path("id")
              .asText();
      api.execute(
          "mutation($i: CreateCloudCodeFunctionInput!) { createCloudCodeFunction(input: $i) {"
              + " function { id } } }",
          Map.of(
              "i",
              Map.of(
                  "cloudCodeId",
                  codeId,
                  "name",
                  "echo",
                  "handler",
                  "on_event",
                  "trigger",
                  "EVENT",
                  "filter",
                  Map.of("namePrefix", "bench/"))));
      DSLContext db = server.context().getBean(DSLContext.class);
      UUID org =
          db.resultQuery("select id from organizations where slug = 'demo'")
              .fetchSingle()
              .get(0, UUID.class);
      log("function made; committing %d events/s for %d s", rate, seconds);

      int perBatch = Math.max(1, rate / 50);
      long start = System.nanoTime();
      long nextPrint = start + Duration.ofSeconds(10).toNanos();
      int seq = 0;
      while (seq < total) {
        long due = start + (long) seq * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        List<Query> batch = new ArrayList<>();
        for (int k = 0; k < perBatch && seq < total; k++, seq++) {
          batch.add(
              DSL.query(
                  "insert into events (organization_id, name, data, ttl_seconds, scope, source)"
                      + " values (?, 'bench/e', ?, 60, 'private', 'cloud')",
                  org,
                  "{\"seq\":" + seq + "}"));
        }
        db.transaction(c -> c.dsl().batch(batch).execute());
        long now = System.nanoTime();
        if (now >= nextPrint) {
          nextPrint = now + Duration.ofSeconds(10).toNanos();
          log("%ds: %d committed, %d run", (now - start) / 1_000_000_000L, seq, runs(db));
        }
      }
      log("all %d committed in %.1f s; draining", total, (System.nanoTime() - start) / 1e9);
      long drainUntil = System.nanoTime() + Duration.ofSeconds(300).toNanos();
      long nextDrainPrint = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (runs(db) < total && System.nanoTime() < drainUntil) {
        Thread.sleep(500);
        if (System.nanoTime() >= nextDrainPrint) {
          nextDrainPrint = System.nanoTime() + Duration.ofSeconds(10).toNanos();
          log("draining: %d of %d run", runs(db), total);
        }
      }
      Record r =
          db.resultQuery(
                  "select count(*) as runs,"
                      + " count(*) filter (where status = 'OK') as ok,"
                      + " extract(epoch from max(started_at + duration_ms * interval '1 ms')"
                      + " - min(started_at)) as span_s,"
                      + " avg(duration_ms) as sandbox_ms from cloud_code_runs")
              .fetchSingle();
      Record d =
          db.resultQuery(
                  "with src as (select (data::json->>'seq')::int as seq, published_at from events"
                      + " where name = 'bench/e'),"
                      + " echo as (select ((data::json->>'data')::json->>'seq')::int as seq,"
                      + " min(published_at) as at from events where name = 'cloud/echo'"
                      + " group by 1)"
                      + " select percentile_cont(0.5) within group (order by ms) as p50,"
                      + " percentile_cont(0.99) within group (order by ms) as p99, max(ms) as max"
                      + " from (select extract(epoch from echo.at - src.published_at) * 1000 as ms"
                      + " from src join echo using (seq)) x")
              .fetchSingle();
      long runs = r.get("runs", Long.class);
      double span = r.get("span_s", Double.class);
      System.out.printf(
          "RESULT rate=%d seconds=%d events=%d runs=%d ok=%d runs_per_s=%.0f"
              + " delay_ms p50=%.0f p99=%.0f max=%.0f sandbox_ms_per_run=%.2f%n",
          rate,
          seconds,
          total,
          runs,
          r.get("ok", Long.class),
          runs / span,
          d.get("p50", Double.class),
          d.get("p99", Double.class),
          d.get("max", Double.class),
          r.get("sandbox_ms", Double.class));
    }
  }

  private static long runs(DSLContext db) {
    return db.resultQuery("select count(*) from cloud_code_runs").fetchSingle().get(0, Long.class);
  }

  private static void log(String format, Object... args) {
    System.out.printf("cloud-code-bench: " + format + "%n", args);
    System.out.flush();
  }
}
