package dev.firmament.api.cloudcode;

import dev.firmament.api.PollingWorker;
import dev.firmament.api.cloud.DeviceCalls;
import dev.firmament.api.ledger.LedgerService;
import dev.firmament.api.webhook.WebhookProperties;
import dev.firmament.cloudcode.CloudCodeException;
import dev.firmament.cloudcode.CloudCodeModule;
import dev.firmament.cloudcode.Sandbox;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Runs cloud code. Every {@code poll-interval} it fans the change feed out into invocations of
 * event functions, writes the due schedules' invocations, claims as many invocations as it has free
 * runners, and runs each in the sandbox, recording the run and marking the invocation done in one
 * transaction. A process that stops mid-run leaves its claims to expire and the invocation is run
 * again (at least once). Modules are parsed once per version and kept.
 */
@Component
public class CloudCodeRunner extends PollingWorker {
  private static final Logger log = LoggerFactory.getLogger(CloudCodeRunner.class);
  private static final int DISPATCH_BATCH = 1000;

  private final CloudCodeOutbox outbox;
  private final DSLContext dsl;
  private final LedgerService ledgers;
  private final CloudCodeProperties properties;
  private final WebhookProperties webhooks;
  private final DeviceCalls deviceCalls;
  private final String owner = "api-" + UUID.randomUUID();
  private final AtomicInteger busy = new AtomicInteger();
  private final Map<String, CloudCodeModule> modules = new ConcurrentHashMap<>();
  private Instant nextPrune = Instant.EPOCH;

  public CloudCodeRunner(
      CloudCodeOutbox outbox,
      DSLContext dsl,
      LedgerService ledgers,
      CloudCodeProperties properties,
      WebhookProperties webhooks,
      DeviceCalls deviceCalls) {
    this.outbox = outbox;
    this.deviceCalls = deviceCalls;
    this.dsl = dsl;
    this.ledgers = ledgers;
    this.properties = properties;
    this.webhooks = webhooks;
  }

  @Override
  protected boolean enabled() {
    return properties.run();
  }

  @Override
  protected Duration interval() {
    return properties.pollInterval();
  }

  @Override
  protected String name() {
    return "cloud-code-dispatch";
  }

  /** Runs on as many platform threads as the concurrency: runs are processor-bound. */
  @Override
  protected ExecutorService newExecutor() {
    return Executors.newFixedThreadPool(
        properties.concurrency(), Thread.ofPlatform().name("cloud-code-", 0).factory());
  }

  @Override
  protected void started() {
    log.info("cloud code: running owner={}", owner);
  }

  @Override
  protected void tick() {
    try {
      for (int i = 0;
          i < 10 && isRunning() && outbox.dispatch(DISPATCH_BATCH) == DISPATCH_BATCH;
          i++) {
        // A full batch: more are waiting.
      }
      outbox.schedules();
      if (Instant.now().isAfter(nextPrune)) {
        nextPrune = Instant.now().plus(Duration.ofHours(1));
        outbox.prune(properties.retention());
      }
      int free = properties.concurrency() - busy.get();
      for (CloudCodeOutbox.Claimed invocation : outbox.claim(owner, free, properties.claim())) {
        busy.incrementAndGet();
        workers().execute(() -> runThenDrain(invocation));
      }
    } catch (RuntimeException e) {
      // PostgreSQL away for a moment: the next round tries again; nothing was half written.
      log.warn("cloud code: round failed error={}", e.toString());
    }
  }

  /**
   * Runs the invocation, then claims and runs the next due one, and so on until none is due: a
   * runner that waited for the next poll after every run would cap a process at {@code concurrency}
   * runs per poll interval (10 a second by default), however short the runs.
   */
  private void runThenDrain(CloudCodeOutbox.Claimed first) {
    try {
      CloudCodeOutbox.Claimed invocation = first;
      while (invocation != null) {
        runAndRecord(invocation);
        invocation =
            isRunning()
                ? outbox.claim(owner, 1, properties.claim()).stream().findFirst().orElse(null)
                : null;
      }
    } catch (RuntimeException e) {
      // PostgreSQL away for a moment: the next round claims again; nothing was half written.
      log.warn("cloud code: runner stopped error={}", e.toString());
    } finally {
      busy.decrementAndGet();
    }
  }

  private void runAndRecord(CloudCodeOutbox.Claimed invocation) {
    try {
      Sandbox.Run run =
          run(
              invocation.functionId(),
              invocation.cloudCodeId(),
              invocation.version(),
              invocation.handler(),
              invocation.payload(),
              invocation.organizationId(),
              invocation.actor(),
              invocation.httpTargets());
      if (isRunning()) {
        outbox.record(
            invocation.invocationId(),
            invocation.functionId(),
            invocation.organizationId(),
            invocation.version(),
            invocation.trigger(),
            invocation.eventName(),
            run);
      }
    } catch (RuntimeException e) {
      log.warn(
          "cloud code: run failed invocation={} error={}", invocation.invocationId(), e.toString());
    }
  }

  /** One run of a function (a version's handler) on an event, bound to the organization. */
  Sandbox.Run run(
      UUID functionId,
      UUID cloudCodeId,
      int version,
      String handler,
      String event,
      UUID organizationId,
      String actor,
      List<String> httpTargets) {
    CloudCodeModule module;
    try {
      module =
          modules.computeIfAbsent(
              cloudCodeId + "/" + version, key -> load(outbox.module(cloudCodeId, version)));
    } catch (IllegalStateException e) {
      return new Sandbox.Run(
          Sandbox.Status.TRAPPED, e.getMessage(), null, 0, Duration.ZERO, List.of());
    }
    return Sandbox.run(
        module,
        handler,
        event,
        new OrganizationCapabilities(
            dsl,
            ledgers,
            organizationId,
            actor,
            properties.maxPublishes(),
            new OrganizationCapabilities.Http(
                httpTargets, webhooks.allowed(), properties.timeLimit()),
            new OrganizationCapabilities.Devices(
                deviceCalls, functionId, properties.maxDeviceCalls())),
        properties.limits());
  }

  private CloudCodeModule load(byte[] wasm) {
    try {
      return CloudCodeModule.load(wasm, properties.memoryPages());
    } catch (CloudCodeException e) {
      // Checked when deployed; only a lower memory limit since then can refuse it now.
      throw new IllegalStateException("a deployed module no longer loads: " + e.getMessage(), e);
    }
  }
}
