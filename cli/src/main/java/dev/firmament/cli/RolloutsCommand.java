package dev.firmament.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code firmament rollouts ...}: the release engineer's rollouts through the GraphQL API, with the
 * caller's token: list, create, show, watch (live, from the {@code rolloutProgress} subscription)
 * and the controls the API offers. The subcommands are nested here because each is a few lines
 * around one GraphQL document.
 */
@Command(
    name = "rollouts",
    aliases = "rollout",
    description = "Create, list, show, watch and control rollouts, and export their results.",
    subcommands = {
      RolloutsCommand.ListRollouts.class,
      RolloutsCommand.Create.class,
      RolloutsCommand.Show.class,
      RolloutsCommand.Watch.class,
      RolloutsCommand.Approve.class,
      RolloutsCommand.Pause.class,
      RolloutsCommand.Resume.class,
      RolloutsCommand.Promote.class,
      RolloutsCommand.Cancel.class,
      RolloutsCommand.RetryFailed.class,
      RolloutsCommand.OverrideDataCap.class,
      RolloutsCommand.Results.class
    })
public final class RolloutsCommand extends CommandGroup {
  /** The statuses a rollout ends in. */
  static final Set<String> FINAL =
      Set.of("SUCCEEDED", "FAILED", "ABORTED", "CANCELED", "ROLLED_BACK", "INTERRUPTED");

  static final String JOB_FIELDS =
      """
      id status targetVersion totalDevices maxInFlight createdAt startedAt finishedAt
      createdBy approvedBy stopReason pauseReason estimatedFinishAt
      product { id name } deviceGroup { id name }
      progress { queued inProgress succeeded failed skipped timedOut }""";

  static final String STAGE_FIELDS =
      "index name kind status assigned started inFlight succeeded skipped failed timedOut"
          + " rejected rolledBack unhealthy";

  // ---------------------------------------------------------------------------------------------
  /** {@code firmament rollouts list}. */
  @Command(
      name = "list",
      description = "List the organization's rollouts, newest first (scope rollouts:read).")
  static final class ListRollouts implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--product",
        paramLabel = "PRODUCT_ID",
        description = "Only this product's rollouts; repeatable.")
    List<String> products;

    @Option(
        names = "--status",
        paramLabel = "STATUS",
        description = "Only rollouts in this status (RUNNING, PAUSED, SUCCEEDED, ...); repeatable.")
    List<String> statuses;

    @Mixin PageOptions page;
    @Mixin ApiOptions api;

    @Option(names = "--json", description = "Print the page as JSON: total, hasMore, last, items.")
    boolean json;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      page.validate(spec);
      GraphqlClient client = api.client(spec);
      Map<String, Object> filter = new LinkedHashMap<>();
      if (products != null) {
        filter.put("productIds", products);
      }
      if (statuses != null) {
        filter.put("statuses", statuses.stream().map(s -> s.toUpperCase(Locale.ROOT)).toList());
      }
      ObjectNode result =
          page.fetch(
              spec,
              (from, size) -> {
                Map<String, Object> variables = new LinkedHashMap<>();
                variables.put("filter", filter);
                variables.put("from", from);
                variables.put("size", size);
                return client
                    .execute(
                        "query($filter: FirmwareOTAJobFilter, $from: Int, $size: Int) { login {"
                            + " firmwareOTAJobs(filter: $filter, from: $from, size: $size) {"
                            + " total hasMore last items { "
                            + JOB_FIELDS
                            + " } } } }",
                        variables)
                    .path("login")
                    .path("firmwareOTAJobs");
              });
      PrintStream out = Cli.of(spec).out();
      if (json) {
        JsonOutput.print(out, result);
        return FirmamentCli.OK;
      }
      Table table = new Table("ID", "PRODUCT", "VERSION", "STATUS", "DONE", "FAILED", "CREATED");
      for (JsonNode job : result.path("items")) {
        JsonNode p = job.path("progress");
        table.row(
            job.path("id").asText(),
            job.path("product").path("name").asText(),
            job.path("targetVersion").asText(),
            job.path("status").asText(),
            (p.path("succeeded").asInt() + p.path("skipped").asInt())
                + "/"
                + job.path("totalDevices").asInt(),
            p.path("failed").asInt() + p.path("timedOut").asInt(),
            JsonOutput.text(job, "createdAt"));
      }
      table.print(out);
      PageOptions.footer(out, result, "rollouts");
      return FirmamentCli.OK;
    }
  }

  // ---------------------------------------------------------------------------------------------
  /**
   * One stage of {@code --stage}: {@code NAME:group=G}, {@code NAME:percent=N} or {@code
   * NAME:count=N}, then optionally {@code ,max-in-flight=N}, {@code ,soak=SECONDS} and {@code
   * ,approval}.
   */
  record StageSpec(Map<String, Object> input) {}

  /** Parses {@code --stage}; a malformed one is a usage error that names it. */
  static final class StageConverter implements ITypeConverter<StageSpec> {
    @Override
    public StageSpec convert(String value) {
      int colon = value.indexOf(':');
      if (colon <= 0) {
        throw new TypeConversionException(
            "'" + value + "' is not NAME:group=G|percent=N|count=N[,soak=S][,max-in-flight=N]");
      }
      Map<String, Object> stage = new LinkedHashMap<>();
      stage.put("name", value.substring(0, colon));
      boolean selected = false;
      for (String part : value.substring(colon + 1).split(",")) {
        String[] kv = part.split("=", 2);
        String key = kv[0].strip();
        String v = kv.length == 2 ? kv[1].strip() : null;
        switch (key) {
          case "group" -> stage.put("group", required(value, key, v));
          case "percent" -> stage.put("percent", number(value, key, v));
          case "count" -> stage.put("count", number(value, key, v));
          case "max-in-flight" -> stage.put("maxInFlight", number(value, key, v));
          case "soak" -> stage.put("soakSeconds", number(value, key, v));
          case "approval" -> stage.put("requireApproval", true);
          default ->
              throw new TypeConversionException(
                  "'" + value + "': unknown stage setting '" + key + "'");
        }
        selected |= key.equals("group") || key.equals("percent") || key.equals("count");
      }
      if (!selected) {
        throw new TypeConversionException(
            "'" + value + "' needs one of group=G, percent=N or count=N");
      }
      return new StageSpec(stage);
    }

    private static String required(String spec, String key, String v) {
      if (v == null || v.isEmpty()) {
        throw new TypeConversionException("'" + spec + "': " + key + " needs a value");
      }
      return v;
    }

    private static int number(String spec, String key, String v) {
      try {
        return Integer.parseInt(required(spec, key, v));
      } catch (NumberFormatException e) {
        throw new TypeConversionException(
            "'" + spec + "': " + key + " needs a whole number, got '" + v + "'");
      }
    }
  }

  /** {@code firmament rollouts create}. */
  @Command(
      name = "create",
      description =
          "Create a rollout of a firmware version to a product's devices (scope rollouts:write)."
              + " The plan comes from the options, from a YAML or JSON file of createOTAJob's"
              + " input fields (-f), or from a saved template (--template); options override the"
              + " file.",
      footer = {
        "",
        "--stage NAME:SELECTION[,SETTING...], in order, once per stage:",
        "  SELECTION is group=GROUP_NAME, percent=N (of the targets no earlier stage took) or count=N;",
        "  SETTING is max-in-flight=N, soak=SECONDS or approval (wait for 'rollouts approve').",
        "  Example: --stage canary:group=canaries,soak=600 --stage wave:percent=25 --stage rest:percent=100",
        "",
        "-f FILE holds createOTAJob's input fields; a .yaml or .yml file is YAML, any other JSON:",
        "  productId: PRODUCT_ID",
        "  targetVersion: 2.1.0",
        "  maxInFlight: 50",
        "  gate: {maxFailureRate: 0.05, minimumSample: 20, onBreach: PAUSE}",
        "  stages:",
        "    - {name: canary, group: canaries, soakSeconds: 600}",
        "    - {name: rest, percent: 100}"
      })
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--product", paramLabel = "PRODUCT_ID", description = "The product.")
    String product;

    @Option(
        names = "--version",
        paramLabel = "VERSION",
        description = "The firmware version to roll out.")
    String version;

    @Option(
        names = {"-f", "--file", "--plan"},
        paramLabel = "FILE",
        description =
            "A YAML (.yaml, .yml) or JSON object with createOTAJob's input fields (stages, gate,"
                + " retry, ...); see below.")
    Path plan;

    @Option(names = "--template", paramLabel = "TEMPLATE_ID", description = "A saved template.")
    String template;

    @Option(
        names = "--group",
        paramLabel = "GROUP_ID",
        description = "Target one group of the product instead of every device.")
    String group;

    @Option(
        names = "--stage",
        paramLabel = "SPEC",
        converter = StageConverter.class,
        description = "A stage, in order (see below); repeatable.")
    List<StageSpec> stages;

    @Option(
        names = "--max-in-flight",
        paramLabel = "N",
        description = "Devices updating at once, 1 to 1000 (default 20).")
    Integer maxInFlight;

    @Option(
        names = "--max-failure-rate",
        paramLabel = "RATE",
        description = "Every stage's gate: the failure share (0 to 1) that breaches it.")
    Double maxFailureRate;

    @Option(
        names = "--minimum-sample",
        paramLabel = "N",
        description = "Finished devices before the gate judges (with --max-failure-rate).")
    Integer minimumSample;

    @Option(
        names = "--on-breach",
        paramLabel = "ACTION",
        description = "PAUSE (default), ABORT or ROLLBACK (with --max-failure-rate).")
    OnBreach onBreach;

    /** {@code RolloutGateAction}. */
    enum OnBreach {
      PAUSE,
      ABORT,
      ROLLBACK
    }

    @Option(
        names = "--max-attempts",
        paramLabel = "N",
        description = "Attempts per device (default 1).")
    Integer maxAttempts;

    @Option(
        names = "--device-timeout",
        paramLabel = "SECONDS",
        description = "Silence after which a device counts as TIMED_OUT.")
    Integer deviceTimeout;

    @Option(
        names = "--expires-after",
        paramLabel = "SECONDS",
        description = "Let offline devices wait for their presence this long after the start.")
    Integer expiresAfter;

    /** {@code OTADataPolicy}. */
    enum DataPolicy {
      NONE,
      DEFER,
      SKIP
    }

    @Option(
        names = "--data-policy",
        paramLabel = "POLICY",
        description =
            "DEFER: hold back a device whose SIM would pass its monthly data cap with the update"
                + " until its next month or an override (needs --expires-after); SKIP: leave it"
                + " out; NONE (the default) ignores caps.")
    DataPolicy dataPolicy;

    @Option(
        names = "--start-at",
        paramLabel = "TIME",
        description = "Start at this ISO-8601 time (2026-12-24T02:00:00Z) instead of at once.")
    String startAt;

    @Option(
        names = "--window-cron",
        paramLabel = "CRON",
        description = "Maintenance window: six-field cron of its opening (seconds first).")
    String windowCron;

    @Option(
        names = "--window-minutes",
        paramLabel = "N",
        description = "Maintenance window: how long it stays open.")
    Integer windowMinutes;

    @Option(
        names = "--window-zone",
        paramLabel = "ZONE",
        description = "Maintenance window: its time zone (default UTC).")
    String windowZone;

    @Option(names = "--require-approval", description = "Wait for 'rollouts approve' to start.")
    boolean requireApproval;

    @Option(names = "--allow-downgrade", description = "Allow taking devices to an older version.")
    boolean allowDowngrade;

    @Option(
        names = "--wait-if-busy",
        description = "Start when older rollouts holding some devices finish, not CONFLICT.")
    boolean waitIfBusy;

    @Mixin ApiOptions api;

    @Option(names = "--json", description = "Print the created rollout as JSON.")
    boolean json;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      Map<String, Object> input = input();
      GraphqlClient client = api.client(spec);
      JsonNode job =
          client
              .execute(
                  "mutation($input: CreateOTAJobInput!) { createOTAJob(input: $input) { job { "
                      + JOB_FIELDS
                      + " } } }",
                  Map.of("input", input))
              .path("createOTAJob")
              .path("job");
      PrintStream out = Cli.of(spec).out();
      if (json) {
        JsonOutput.print(out, job);
      } else {
        out.printf(
            "created rollout %s: %s to %d device(s) of %s, %s%n",
            job.path("id").asText(),
            job.path("targetVersion").asText(),
            job.path("totalDevices").asInt(),
            job.path("product").path("name").asText(),
            job.path("status").asText());
      }
      return FirmamentCli.OK;
    }

    /** createOTAJob's input: the plan file's fields, then the options over them. */
    Map<String, Object> input() {
      Map<String, Object> input = new LinkedHashMap<>(planFile());
      put(input, "productId", product);
      put(input, "targetVersion", version);
      if (!input.containsKey("productId") || !input.containsKey("targetVersion")) {
        throw new ParameterException(
            spec.commandLine(),
            "--product and --version are required (as options or as productId and targetVersion"
                + " in the -f file)");
      }
      put(input, "templateId", template);
      put(input, "deviceGroupId", group);
      if (stages != null) {
        input.put("stages", stages.stream().map(StageSpec::input).toList());
      }
      if (maxInFlight != null) {
        Ranges.check(spec, "--max-in-flight", maxInFlight, 1, 1000);
        input.put("maxInFlight", maxInFlight);
      }
      if (maxFailureRate != null) {
        if (maxFailureRate < 0 || maxFailureRate > 1) {
          throw new ParameterException(
              spec.commandLine(), "--max-failure-rate must be between 0 and 1");
        }
        Map<String, Object> gate = new LinkedHashMap<>();
        gate.put("maxFailureRate", maxFailureRate);
        put(gate, "minimumSample", minimumSample);
        put(gate, "onBreach", onBreach == null ? null : onBreach.name());
        input.put("gate", gate);
      } else if (minimumSample != null || onBreach != null) {
        throw new ParameterException(
            spec.commandLine(), "--minimum-sample and --on-breach need --max-failure-rate");
      }
      if (maxAttempts != null) {
        input.put("retry", Map.of("maxAttempts", maxAttempts));
      }
      put(input, "deviceTimeoutSeconds", deviceTimeout);
      put(input, "expiresAfterSeconds", expiresAfter);
      if (dataPolicy != null) {
        input.put("dataPolicy", dataPolicy.name());
      }
      if (startAt != null) {
        try {
          OffsetDateTime.parse(startAt);
        } catch (DateTimeParseException e) {
          throw new ParameterException(
              spec.commandLine(), "--start-at needs an ISO-8601 time, got '" + startAt + "'");
        }
        input.put("startAt", startAt);
      }
      if (windowCron != null || windowMinutes != null) {
        if (windowCron == null || windowMinutes == null) {
          throw new ParameterException(
              spec.commandLine(), "--window-cron and --window-minutes go together");
        }
        Map<String, Object> window = new LinkedHashMap<>();
        window.put("cron", windowCron);
        window.put("durationMinutes", windowMinutes);
        put(window, "zone", windowZone);
        input.put("maintenanceWindow", window);
      }
      if (requireApproval) {
        input.put("requireApproval", true);
      }
      if (allowDowngrade) {
        input.put("allowDowngrade", true);
      }
      if (waitIfBusy) {
        input.put("onDevicesBusy", "WAIT");
      }
      return input;
    }

    private Map<String, Object> planFile() {
      if (plan == null) {
        return Map.of();
      }
      try {
        return PlanFile.read(plan);
      } catch (IOException e) {
        throw new ParameterException(
            spec.commandLine(), "cannot read -f " + plan + ": " + e.getMessage());
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "-f " + plan + ": " + e.getMessage());
      }
    }

    private static void put(Map<String, Object> map, String key, Object value) {
      if (value != null) {
        map.put(key, value);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  /** {@code firmament rollouts show ID}. */
  @Command(
      name = "show",
      description =
          "Show a rollout: its stages with their device counts and gate, the stop or pause"
              + " reason, and its failures by error code (scope rollouts:read).")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The rollout's id.")
    String id;

    @Mixin ApiOptions api;

    @Option(names = "--json", description = "Print the rollout as JSON.")
    boolean json;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      JsonNode job =
          api.client(spec)
              .execute(
                  "query($id: ID!) { firmwareOTAJob(id: $id) { "
                      + JOB_FIELDS
                      + " stages { "
                      + STAGE_FIELDS
                      + " } plan { stages { name gate { countedFailures maxFailureRate"
                      + " minimumSample minSuccessRate onBreach } } }"
                      + " failureBreakdown { total byState { state count }"
                      + " byErrorCode { errorCode count } byStage { stage count } } } }",
                  Map.of("id", id))
              .path("firmwareOTAJob");
      Cli cli = Cli.of(spec);
      if (job.isMissingNode() || job.isNull()) {
        cli.err().println("firmament rollouts show: no rollout " + id + " (NOT_FOUND)");
        return FirmamentCli.FAILURE;
      }
      if (json) {
        JsonOutput.print(cli.out(), job);
      } else {
        print(cli.out(), job);
      }
      return FirmamentCli.OK;
    }

    static void print(PrintStream out, JsonNode job) {
      JsonNode p = job.path("progress");
      out.printf(
          "rollout %s  %s  %s -> %s%n",
          job.path("id").asText(),
          job.path("status").asText(),
          job.path("product").path("name").asText(),
          job.path("targetVersion").asText());
      out.printf(
          "  devices %d (%s), at most %d at a time%n",
          job.path("totalDevices").asInt(),
          job.path("deviceGroup").isObject()
              ? "group " + job.path("deviceGroup").path("name").asText()
              : "every device of the product",
          job.path("maxInFlight").asInt());
      out.printf(
          "  succeeded %d  skipped %d  failed %d  timed out %d  in progress %d  queued %d%n",
          p.path("succeeded").asInt(),
          p.path("skipped").asInt(),
          p.path("failed").asInt(),
          p.path("timedOut").asInt(),
          p.path("inProgress").asInt(),
          p.path("queued").asInt());
      line(out, "created", job, "createdAt", "createdBy");
      line(out, "started", job, "startedAt", null);
      line(out, "finished", job, "finishedAt", null);
      line(out, "approved by", job, "approvedBy", null);
      line(out, "estimated finish", job, "estimatedFinishAt", null);
      line(out, "paused because", job, "pauseReason", null);
      line(out, "stopped because", job, "stopReason", null);
      out.println();
      Table stages =
          new Table(
              "STAGE",
              "NAME",
              "STATUS",
              "ASSIGNED",
              "SUCCEEDED",
              "SKIPPED",
              "FAILED",
              "TIMED OUT",
              "REJECTED",
              "ROLLED BACK",
              "IN FLIGHT",
              "GATE");
      JsonNode plans = job.path("plan").path("stages");
      for (JsonNode stage : job.path("stages")) {
        int index = stage.path("index").asInt();
        JsonNode planned = index < plans.size() ? plans.get(index) : null;
        stages.row(
            index,
            stage.path("name").asText(),
            stage.path("status").asText(),
            stage.path("assigned").asInt(),
            stage.path("succeeded").asInt(),
            stage.path("skipped").asInt(),
            stage.path("failed").asInt(),
            stage.path("timedOut").asInt(),
            stage.path("rejected").asInt(),
            stage.path("rolledBack").asInt(),
            stage.path("inFlight").asInt(),
            "UPDATE".equals(stage.path("kind").asText()) && planned != null
                ? gate(planned.path("gate"), stage)
                : null);
      }
      stages.print(out);
      JsonNode failures = job.path("failureBreakdown");
      out.println();
      if (failures.path("total").asInt() == 0) {
        out.println("failures: none");
        return;
      }
      out.printf("failures: %d%n", failures.path("total").asInt());
      Table byCode = new Table("ERROR CODE", "DEVICES");
      for (JsonNode code : failures.path("byErrorCode")) {
        byCode.row(
            code.path("errorCode").isNull() ? "(none)" : code.path("errorCode").asText(),
            code.path("count").asInt());
      }
      byCode.print(out);
      List<String> states = new ArrayList<>();
      for (JsonNode state : failures.path("byState")) {
        states.add(state.path("state").asText() + " " + state.path("count").asInt());
      }
      out.println("by state: " + String.join(", ", states));
    }

    private static void line(
        PrintStream out, String label, JsonNode job, String field, String byField) {
      String value = JsonOutput.text(job, field);
      if (value != null) {
        String by = byField == null ? null : JsonOutput.text(job, byField);
        out.printf("  %s: %s%s%n", label, value, by == null ? "" : " by " + by);
      }
    }

    /** The stage's failure-rate gate and where it stands ({@link StageGate}). */
    static String gate(JsonNode plan, JsonNode stage) {
      return StageGate.describe(plan, stage);
    }
  }

  // ---------------------------------------------------------------------------------------------
  /** {@code firmament rollouts watch ID}. */
  @Command(
      name = "watch",
      description =
          "Watch a rollout live until it ends, from the API's rolloutProgress subscription: a"
              + " progress line per stage, then its final status (exit code 0 when it SUCCEEDED,"
              + " 1 otherwise).")
  static final class Watch implements Callable<Integer> {
    /** How often a watch subscribes again after the API ended its stream early. */
    static final int RESUBSCRIPTIONS = 3;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The rollout's id.")
    String id;

    @Option(
        names = "--interval",
        paramLabel = "MS",
        defaultValue = "500",
        description = "At most one update per this many milliseconds, 100 to 60000 (default 500).")
    int intervalMs;

    @Mixin ApiOptions api;

    @Option(names = "--json", description = "Print every progress event as one line of JSON.")
    boolean json;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      Ranges.check(spec, "--interval", intervalMs, 100, 60_000);
      GraphqlClient client = api.client(spec);
      Cli cli = Cli.of(spec);
      RolloutProgressView view =
          new RolloutProgressView(cli.out(), cli.out() == System.out && System.console() != null);
      JsonNode[] last = new JsonNode[1];
      // The API completes its open subscriptions when it shuts down (a restart, a rolling
      // deployment); the rollout goes on, so the watch subscribes again, a few times at most.
      for (int attempt = 0; attempt <= RESUBSCRIPTIONS; attempt++) {
        if (attempt > 0) {
          cli.err()
              .println("firmament rollouts watch: the progress stream ended; subscribing again");
        }
        client.subscribe(
            "subscription($id: ID!, $interval: Int) { rolloutProgress(id: $id, intervalMs:"
                + " $interval) { status estimatedFinishAt finishedPerSecond at"
                + " job { id targetVersion totalDevices stopReason pauseReason }"
                + " progress { queued inProgress succeeded failed skipped timedOut }"
                + " progressByStage { stage progress { queued inProgress succeeded failed"
                + " skipped timedOut } }"
                + " stages { "
                + STAGE_FIELDS
                + " } } }",
            Map.of("id", id, "interval", intervalMs),
            data -> {
              JsonNode event = data.path("rolloutProgress");
              last[0] = event;
              if (json) {
                JsonOutput.print(cli.out(), event);
              } else {
                view.show(event);
              }
              return !FINAL.contains(event.path("status").asText());
            });
        if (last[0] != null && FINAL.contains(last[0].path("status").asText())) {
          break;
        }
      }
      JsonNode event = last[0];
      if (event == null || !FINAL.contains(event.path("status").asText())) {
        cli.err().println("firmament rollouts watch: the progress stream ended before the rollout");
        return FirmamentCli.FAILURE;
      }
      if (!json) {
        view.finish(event);
      }
      return "SUCCEEDED".equals(event.path("status").asText())
          ? FirmamentCli.OK
          : FirmamentCli.FAILURE;
    }
  }

  // ---------------------------------------------------------------------------------------------
  /** The controls: one mutation on {@code {jobId}}, answering the rollout's new status. */
  abstract static class Control implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The rollout's id.")
    String id;

    @Mixin ApiOptions api;

    @Option(names = "--json", description = "Print the rollout as JSON.")
    boolean json;

    @Mixin HelpOption help;

    abstract String mutation();

    String inputType() {
      return "OTAJobControlInput";
    }

    Map<String, Object> input() {
      return Map.of("jobId", id);
    }

    @Override
    public Integer call() {
      JsonNode job =
          api.client(spec)
              .execute(
                  "mutation($input: "
                      + inputType()
                      + "!) { "
                      + mutation()
                      + "(input: $input) { job { id status targetVersion } } }",
                  Map.of("input", input()))
              .path(mutation())
              .path("job");
      PrintStream out = Cli.of(spec).out();
      if (json) {
        JsonOutput.print(out, job);
      } else {
        out.printf(
            "rollout %s: %s sent, status %s%n",
            job.path("id").asText(), spec.name(), job.path("status").asText());
      }
      return FirmamentCli.OK;
    }
  }

  @Command(
      name = "approve",
      description =
          "Approve a rollout waiting to start, or its next stage waiting for an approval"
              + " (scope rollouts:approve).")
  static final class Approve extends Control {
    @Override
    String mutation() {
      return "approveOTAJob";
    }
  }

  @Command(
      name = "pause",
      description =
          "Pause a rollout: no new device update starts; running ones finish (scope"
              + " rollouts:write).")
  static final class Pause extends Control {
    @Override
    String mutation() {
      return "pauseOTAJob";
    }
  }

  @Command(name = "resume", description = "Resume a paused rollout (scope rollouts:write).")
  static final class Resume extends Control {
    @Override
    String mutation() {
      return "resumeOTAJob";
    }
  }

  @Command(
      name = "promote",
      description = "Skip the rest of the current stage's soak (scope rollouts:write).")
  static final class Promote extends Control {
    @Override
    String mutation() {
      return "promoteOTAJob";
    }
  }

  @Command(
      name = "cancel",
      description =
          "Stop a rollout; with --rollback the devices it changed get their previous version"
              + " back (scope rollouts:write).")
  static final class Cancel extends Control {
    @Option(names = "--rollback", description = "Take the changed devices back.")
    boolean rollback;

    @Override
    String mutation() {
      return "cancelOTAJob";
    }

    @Override
    String inputType() {
      return "CancelOTAJobInput";
    }

    @Override
    Map<String, Object> input() {
      return Map.of("jobId", id, "rollback", rollback);
    }
  }

  @Command(
      name = "retry-failed",
      description =
          "Send every failed device of the rollout a new attempt, in the current stage (scope"
              + " rollouts:write).")
  static final class RetryFailed extends Control {
    @Override
    String mutation() {
      return "retryFailedOTAJob";
    }
  }

  @Command(
      name = "override-data-cap",
      description =
          "Let devices the rollout deferred for their SIM's data cap be offered now, past the cap"
              + " (scope rollouts:write).")
  static final class OverrideDataCap extends Control {
    @Parameters(
        index = "1..*",
        arity = "1..1000",
        paramLabel = "DEVICE",
        description = "The deferred devices to release (1 to 1000).")
    List<String> deviceIds;

    @Override
    String mutation() {
      return "overrideOTADataCap";
    }

    @Override
    String inputType() {
      return "OverrideOTADataCapInput";
    }

    @Override
    Map<String, Object> input() {
      return Map.of("jobId", id, "deviceIds", deviceIds);
    }
  }

  // ---------------------------------------------------------------------------------------------
  /** {@code firmament rollouts results ID}. */
  @Command(
      name = "results",
      description =
          "Every device's result in a rollout, those the filters keep, by device id: a table,"
              + " CSV with a header row (--csv) or JSON (scope rollouts:read).")
  static final class Results implements Callable<Integer> {
    /** Results per request: the most the API answers in one page. */
    static final int PAGE_SIZE = 1000;

    static final List<String> CSV_COLUMNS =
        List.of(
            "deviceId",
            "state",
            "attempt",
            "bytesSent",
            "artifactKind",
            "errorCode",
            "errorMessage",
            "updatedAt");

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The rollout's id.")
    String id;

    @Option(
        names = "--state",
        paramLabel = "STATE",
        description = "Only results in this state (FAILED, TIMED_OUT, SUCCEEDED, ...); repeatable.")
    List<String> states;

    @Option(
        names = "--stage",
        paramLabel = "NAME",
        description = "Only devices this stage of the plan took; repeatable.")
    List<String> stages;

    @Option(
        names = "--error-code",
        paramLabel = "CODE",
        description = "Only results with this error code; repeatable.")
    List<String> errorCodes;

    @Option(names = "--csv", description = "Print CSV: a header row, then one row per device.")
    boolean csv;

    @Mixin ApiOptions api;

    @Option(names = "--json", description = "Print JSON: total and items, every result.")
    boolean json;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      if (csv && json) {
        throw new ParameterException(spec.commandLine(), "--csv and --json exclude each other");
      }
      Map<String, Object> filter = new LinkedHashMap<>();
      if (states != null) {
        filter.put("states", states.stream().map(v -> v.toUpperCase(Locale.ROOT)).toList());
      }
      if (stages != null) {
        filter.put("stages", stages);
      }
      if (errorCodes != null) {
        filter.put("errorCodes", errorCodes);
      }
      GraphqlClient client = api.client(spec);
      Cli cli = Cli.of(spec);
      List<JsonNode> items = new ArrayList<>();
      int from = 0;
      while (true) {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("id", id);
        variables.put("filter", filter);
        variables.put("from", from);
        variables.put("size", PAGE_SIZE);
        JsonNode job =
            client
                .execute(
                    "query($id: ID!, $filter: OTAResultFilter, $from: Int, $size: Int) {"
                        + " firmwareOTAJob(id: $id) { resultPage(filter: $filter, from: $from,"
                        + " size: $size) { total hasMore last items { deviceId state attempt"
                        + " bytesSent artifactKind errorCode errorMessage updatedAt } } } }",
                    variables)
                .path("firmwareOTAJob");
        if (job.isMissingNode() || job.isNull()) {
          cli.err().println("firmament rollouts results: no rollout " + id + " (NOT_FOUND)");
          return FirmamentCli.FAILURE;
        }
        JsonNode page = job.path("resultPage");
        page.path("items").forEach(items::add);
        if (!page.path("hasMore").asBoolean() || page.path("last").isNull()) {
          break;
        }
        from = page.path("last").asInt() + 1;
      }
      PrintStream out = cli.out();
      if (json) {
        ObjectNode result = JsonOutput.JSON.createObjectNode();
        result.put("total", items.size());
        result.putArray("items").addAll(items);
        JsonOutput.print(out, result);
      } else if (csv) {
        out.print(Csv.row(CSV_COLUMNS));
        for (JsonNode item : items) {
          out.print(Csv.row(CSV_COLUMNS.stream().map(c -> JsonOutput.text(item, c)).toList()));
        }
      } else {
        Table table =
            new Table("DEVICE", "STATE", "ATTEMPT", "BYTES", "ARTIFACT", "ERROR", "UPDATED");
        for (JsonNode item : items) {
          String code = JsonOutput.text(item, "errorCode");
          String message = JsonOutput.text(item, "errorMessage");
          table.row(
              item.path("deviceId").asText(),
              item.path("state").asText(),
              item.path("attempt").asInt(),
              item.path("bytesSent").asLong(),
              JsonOutput.text(item, "artifactKind"),
              code == null ? message : message == null ? code : code + ": " + message,
              JsonOutput.text(item, "updatedAt"));
        }
        table.print(out);
        out.printf("%d result(s)%n", items.size());
      }
      return FirmamentCli.OK;
    }
  }
}
