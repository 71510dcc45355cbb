package dev.firmament.launcher.bench;

import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.devstack.Endpoints;
import dev.firmament.launcher.DevServer;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.IntStream;
import org.jooq.DSLContext;

/**
 * The server side of the API benchmark, a process of its own: the whole stack on the embedded
 * services, with a product of {@code DEVICES} devices and ten rollouts of them (one still running)
 * seeded straight into PostgreSQL by SQL, not by running rollouts: {@code 10 x DEVICES} OTA
 * results. It writes what the load generator needs (addresses, a token, ids) to a file and serves
 * until a file named like it with {@code .stop} appears.
 *
 * <p>Usage (by bench/api/queries.sh): {@code ApiBenchServer DATA_DIR INFO_FILE [DEVICES]}.
 */
public final class ApiBenchServer {
  private static final int JOBS = 10;

  private ApiBenchServer() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    Path info = Path.of(args[1]);
    int devices = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
    Map<String, String> settings =
        Map.of(
            "firmament.api.rate-limit.requests-per-second", "1000000",
            "firmament.api.rate-limit.burst", "1000000");
    try (DevServer server = DevServer.start(DevStackOptions.onFreePorts(data), 0, settings)) {
      GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
      String product = createProduct(api, "bench");
      String small = createProduct(api, "bench-small");
      DSLContext db = server.context().getBean(DSLContext.class);
      UUID org =
          db.resultQuery("select organization_id from products where id = ?::uuid", product)
              .fetchSingle()
              .get(0, UUID.class);
      Seeded big = seed(db, org, UUID.fromString(product), "b", devices, JOBS);
      Seeded few = seed(db, org, UUID.fromString(small), "s", 10, 5);
      // What autovacuum does for rows written over the hours of real rollouts, done at once for
      // rows seeded in one statement: statistics, and the visibility map without which an
      // index-only scan (a page of a rollout's FAILED results) reads a heap page per row.
      log("vacuuming and analyzing");
      db.execute("vacuum analyze");

      Endpoints endpoints = server.stack().endpoints();
      Properties p = new Properties();
      p.setProperty("url", server.graphqlUrl());
      p.setProperty("token", server.ownerToken());
      p.setProperty("product", product);
      p.setProperty("smallProduct", small);
      p.setProperty("runningJob", big.runningJob().toString());
      p.setProperty("finishedJob", big.finishedJob().toString());
      p.setProperty("smallJob", few.finishedJob().toString());
      p.setProperty("devices", Integer.toString(devices));
      p.setProperty("devicePrefix", "b-");
      p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
      p.setProperty("jdbcUrl", endpoints.jdbcUrl());
      p.setProperty("dbUser", endpoints.dbUser());
      p.setProperty("dbPassword", endpoints.dbPassword());
      Path partial = info.resolveSibling(info.getFileName() + ".part");
      try (OutputStream out = Files.newOutputStream(partial)) {
        p.store(out, "API benchmark server");
      }
      Files.move(partial, info);
      log("ready at " + server.graphqlUrl());
      Path stop = info.resolveSibling(info.getFileName() + ".stop");
      while (!Files.exists(stop)) {
        Thread.sleep(200);
      }
      log("stopping");
    }
  }

  /** What was seeded for one product. */
  record Seeded(UUID runningJob, UUID finishedJob) {}

  /**
   * Devices {@code prefix-000001...} (versions spread over three, half online, a few tagged, each
   * declaring three functions and three variables), five groups of a thousand, two firmware builds,
   * and {@code jobs} rollouts of every device: the first still RUNNING with every result QUEUED,
   * the others ended with 96 % SUCCEEDED, 3 % FAILED (error codes spread) and 1 % TIMED_OUT.
   */
  static Seeded seed(DSLContext db, UUID org, UUID product, String prefix, int devices, int jobs) {
    log("seeding " + devices + " devices of product " + product);
    db.execute(
        "insert into devices (id, organization_id, product_id, name, firmware_version, online,"
            + " last_heard, tags) select ? || '-' || lpad(i::text, 6, '0'), ?, ?, 'device ' || i,"
            + " (array['1.0.0', '1.1.0', '1.2.0'])[1 + i % 3], i % 2 = 0, now() - (i % 600) *"
            + " interval '1 second', case when i % 10 = 0 then array['canary']::varchar[] else"
            + " '{}' end from generate_series(1, ?) i",
        prefix, org, product, devices);
    // What each device declared in its presence: three functions and three variables.
    db.execute(
        "insert into device_functions (organization_id, device_id, name, position) select"
            + " d.organization_id, d.id, f.name, f.n - 1"
            + " from devices d cross join unnest(array['reboot', 'led', 'setInterval'])"
            + " with ordinality f(name, n) where d.product_id = ?",
        product);
    db.execute(
        "insert into device_variables (organization_id, device_id, name, type, position) select"
            + " d.organization_id, d.id, v.name,"
            + " v.type, v.n - 1 from devices d cross join unnest(array['uptime', 'temperature',"
            + " 'version'], array['int32', 'double', 'string']) with ordinality v(name, type, n)"
            + " where d.product_id = ?",
        product);
    UUID[] firmware = new UUID[2];
    for (int f = 0; f < 2; f++) {
      firmware[f] = UUID.randomUUID();
      db.execute(
          "insert into product_firmware (id, organization_id, product_id, version, title, sha256,"
              + " size_bytes, storage_key) values (?, ?, ?, ?, ?, ?, 4096, ?)",
          firmware[f],
          org,
          product,
          "1." + (f + 1) + ".0",
          "build " + f,
          "0".repeat(63) + f,
          "bench/" + firmware[f]);
    }
    int groups = Math.min(5, Math.max(1, devices / 1000));
    for (int g = 0; g < groups; g++) {
      UUID group = UUID.randomUUID();
      db.execute(
          "insert into device_groups (id, organization_id, product_id, name) values (?, ?, ?, ?)",
          group,
          org,
          product,
          "group " + g);
      db.execute(
          "insert into device_group_members (organization_id, group_id, device_id) select ?, ?, ?"
              + " || '-' || lpad(i::text, 6, '0') from generate_series(?, ?) i",
          org,
          group,
          prefix,
          1 + g * Math.min(1000, devices),
          Math.min(devices, (g + 1) * Math.min(1000, devices)));
    }
    List<UUID> ids = IntStream.range(0, jobs).mapToObj(j -> UUID.randomUUID()).toList();
    for (int j = 0; j < jobs; j++) {
      UUID job = ids.get(j);
      boolean running = j == 0;
      db.execute(
          "insert into ota_jobs (id, organization_id, product_id, firmware_id, target_version,"
              + " target_kind, status, max_in_flight, workflow_id, total_devices, created_at,"
              + " started_at, finished_at) values (?, ?, ?, ?, '1.2.0', 'PRODUCT', ?, 100, ?, ?,"
              + " now() - ? * interval '1 hour', now() - ? * interval '1 hour', case when ? then null"
              + " else now() - ? * interval '30 minutes' end)",
          job,
          org,
          product,
          firmware[1],
          running ? "RUNNING" : (j % 3 == 0 ? "FAILED" : "SUCCEEDED"),
          "rollout/" + job,
          devices,
          jobs - j,
          jobs - j,
          running,
          jobs - j);
      db.execute(
          "insert into ota_stages (organization_id, job_id, stage_index, name, kind, status,"
              + " assigned, started) values (?, ?, 0, 'all', 'UPDATE', ?, ?, ?)",
          org,
          job,
          running ? "RUNNING" : "SUCCEEDED",
          devices,
          running ? 0 : devices);
      log("seeding " + devices + " results of rollout " + (j + 1) + "/" + jobs);
      db.execute(
          "insert into ota_results (organization_id, job_id, device_id, state, attempt,"
              + " from_version, artifact_kind, bytes_sent, error_code, stage, stage_position,"
              + " updated_at) select ?, ?, ? || '-' || lpad(i::text, 6, '0'), case when ? then"
              + " 'QUEUED' when i % 100 < 3 then 'FAILED' when i % 100 = 3 then 'TIMED_OUT' else"
              + " 'SUCCEEDED' end, 1, '1.0.0', 'DELTA', case when ? then 0 else 3831 end, case"
              + " when ? then null when i % 100 < 3 then (array['HASH_MISMATCH', 'NO_SPACE',"
              + " 'INSTALL_FAILED'])[1 + i % 3] when i % 100 = 3 then 'OFFLINE' end, 0, i, now()"
              + " - (i % 3600) * interval '1 second' from generate_series(1, ?) i",
          org, job, prefix, running, running, running, devices);
    }
    return new Seeded(ids.get(0), ids.get(1));
  }

  private static String createProduct(GraphqlClient api, String slug) {
    return api.execute(
            "mutation($s: String!) { createProduct(input: {name: $s, slug: $s}) { product { id } } }",
            Map.of("s", slug))
        .path("createProduct")
        .path("product")
        .path("id")
        .asText();
  }

  private static void log(String line) {
    System.err.println("[server] " + line);
  }
}
