package dev.firmament.launcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.firmament.cli.GraphqlClient;
import dev.firmament.devstack.DevStackOptions;
import dev.firmament.launcher.DevServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.jooq.DSLContext;
import org.jooq.Query;
import org.jooq.impl.DSL;

/**
 * Webhook throughput and delay: the whole stack in one process on the embedded services, its API
 * delivering webhooks (one sending process, the default settings), {@code WEBHOOKS} webhooks to a
 * receiver on loopback, and events committed at {@code RATE} per second for {@code SECONDS}, spread
 * evenly over the webhooks (each event is for one webhook: 1,000 events per second over 100
 * webhooks is 10 per second each). The delay of an event is from just after its transaction
 * committed to the moment the receiver answers its first delivery. Prints progress every ten
 * seconds, then drains and prints a RESULT line: deliveries per second, the delay at p50, p99 and
 * max, events never delivered, deliveries out of order per webhook and repeats. Not part of the
 * test suite; bench/webhooks/run.sh runs it.
 *
 * <p>Usage: {@code WebhookBench DATA_DIR [WEBHOOKS] [RATE] [SECONDS]}.
 */
public final class WebhookBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  private WebhookBench() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    int webhooks = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int rate = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 300;
    int total = rate * seconds;
    long[] committed = new long[total];
    AtomicLongArray answered = new AtomicLongArray(total);
    AtomicInteger repeats = new AtomicInteger();
    AtomicInteger outOfOrder = new AtomicInteger();
    int[] lastSeen = new int[webhooks];
    Arrays.fill(lastSeen, -1);
    AtomicLong deliveries = new AtomicLong();

    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
    receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    receiver.createContext(
        "/",
        exchange -> {
          JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
          int hook = Integer.parseInt(exchange.getRequestURI().getPath().substring(3));
          int seq = JSON.readTree(body.path("data").path("data").asText()).path("seq").asInt();
          // The order is checked before the answer: the sender sends a webhook's next delivery
          // only after it, so two requests of one webhook never race here.
          synchronized (lastSeen) {
            if (seq < lastSeen[hook]) {
              outOfOrder.incrementAndGet();
            }
            lastSeen[hook] = Math.max(lastSeen[hook], seq);
          }
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
          long now = System.nanoTime();
          deliveries.incrementAndGet();
          if (!answered.compareAndSet(seq, 0, now)) {
            repeats.incrementAndGet();
          }
        });
    receiver.start();
    String base = "http://127.0.0.1:" + receiver.getAddress().getPort();

    Map<String, String> settings =
        Map.of(
            "firmament.api.rate-limit.requests-per-second", "1000000",
            "firmament.api.rate-limit.burst", "1000000");
    try (DevServer server = DevServer.start(DevStackOptions.onFreePorts(data), 0, settings)) {
      GraphqlClient api = new GraphqlClient(server.graphqlUrl(), server.ownerToken());
      for (int i = 0; i < webhooks; i++) {
        api.execute(
            "mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } } }",
            Map.of(
                "i",
                Map.of(
                    "name",
                    "bench-" + i,
                    "url",
                    base + "/w/" + i,
                    "filter",
                    Map.of("namePrefix", "bench/w" + i + "/"))));
      }
      DSLContext db = server.context().getBean(DSLContext.class);
      UUID org =
          db.resultQuery("select id from organizations where slug = 'demo'")
              .fetchSingle()
              .get(0, UUID.class);
      log("%d webhooks made; committing %d events/s for %d s", webhooks, rate, seconds);

      // Batches every 20 ms, each batch one transaction; its events' commit time is when it
      // returned.
      int perBatch = Math.max(1, rate / 50);
      long start = System.nanoTime();
      long nextPrint = start + Duration.ofSeconds(10).toNanos();
      int seq = 0;
      int windowStart = 0;
      while (seq < total) {
        long due = start + (long) seq * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        List<Query> batch = new ArrayList<>();
        int first = seq;
        for (int k = 0; k < perBatch && seq < total; k++, seq++) {
          batch.add(
              DSL.query(
                  "insert into events (organization_id, name, data, ttl_seconds, scope, source)"
                      + " values (?, ?, ?, 60, 'private', 'cloud')",
                  org,
                  "bench/w" + (seq % webhooks) + "/e",
                  "{\"seq\":" + seq + "}"));
        }
        db.transaction(c -> c.dsl().batch(batch).execute());
        long now = System.nanoTime();
        for (int k = first; k < seq; k++) {
          committed[k] = now;
        }
        if (now >= nextPrint) {
          nextPrint = now + Duration.ofSeconds(10).toNanos();
          // The delay of the events committed in the window before the last one, most of which
          // have had time to arrive.
          log(
              "%ds: %d committed, %d delivered, previous window's %s",
              (now - start) / 1_000_000_000L,
              seq,
              deliveries.get(),
              summary(committed, answered, windowStart, Math.max(windowStart, seq - rate * 10)));
          windowStart = Math.max(windowStart, seq - rate * 10);
        }
      }
      long sent = System.nanoTime();
      log("all %d committed in %.1f s; draining", total, (sent - start) / 1e9);
      long drainUntil = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (count(answered, total) < total && System.nanoTime() < drainUntil) {
        Thread.sleep(500);
      }
      long lastAnswer = 0;
      for (int i = 0; i < total; i++) {
        lastAnswer = Math.max(lastAnswer, answered.get(i));
      }
      int got = count(answered, total);
      double throughput = got / ((lastAnswer - start) / 1e9);
      // After the first minute the JIT has compiled the sending path: the steady state.
      int warm = Math.min(total, rate * 60);
      System.out.printf(
          "RESULT webhooks=%d rate=%d seconds=%d events=%d delivered=%d lost=%d"
              + " deliveries_per_s=%.0f all: %s after_first_minute: %s out_of_order=%d"
              + " repeats=%d%n",
          webhooks,
          rate,
          seconds,
          total,
          got,
          total - got,
          throughput,
          summary(committed, answered, 0, total),
          summary(committed, answered, warm, total),
          outOfOrder.get(),
          repeats.get());
    } finally {
      receiver.stop(0);
    }
  }

  private static int count(AtomicLongArray answered, int upTo) {
    int n = 0;
    for (int i = 0; i < upTo; i++) {
      if (answered.get(i) != 0) {
        n++;
      }
    }
    return n;
  }

  /** The delay of the delivered events in {@code [from, upTo)}: p50, p99 and max in ms. */
  private static String summary(long[] committed, AtomicLongArray answered, int from, int upTo) {
    long[] delays = new long[Math.max(0, upTo - from)];
    int n = 0;
    for (int i = from; i < upTo; i++) {
      long a = answered.get(i);
      if (a != 0 && committed[i] != 0) {
        delays[n++] = Math.max(0, a - committed[i]);
      }
    }
    if (n == 0) {
      return "delay_ms p50=- p99=- max=-";
    }
    long[] d = Arrays.copyOf(delays, n);
    Arrays.sort(d);
    return String.format(
        "delay_ms p50=%.0f p99=%.0f max=%.0f",
        d[(int) (n * 0.50)] / 1e6, d[Math.min(n - 1, (int) (n * 0.99))] / 1e6, d[n - 1] / 1e6);
  }

  private static void log(String format, Object... args) {
    System.out.printf("webhook-bench: " + format + "%n", args);
    System.out.flush();
  }
}
