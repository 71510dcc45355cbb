// Rollouts: the organization's list, and one rollout's live page with its controls.
import { graphql } from "./api.js";
import { h, fill, table, link, when, percent, badge } from "./dom.js";
import { stageBar, legend, finished, progressChart } from "./charts.js";

const TERMINAL = ["SUCCEEDED", "FAILED", "ABORTED", "CANCELED", "ROLLED_BACK", "INTERRUPTED"];
const PAGE = 50;

const LIST = `query Rollouts($from: Int!, $size: Int!, $filter: FirmwareOTAJobFilter) {
  login { firmwareOTAJobs(filter: $filter, from: $from, size: $size) {
    total hasMore last
    items { id targetVersion status createdAt totalDevices product { id name }
      progress { queued inProgress succeeded failed skipped timedOut } }
  } }
}`;

/** Every rollout of the organization, newest first, refreshed when any of their results moves. */
export async function rolloutsPage(main, { live }) {
  let statuses = [];
  let offset = 0;
  const body = h("div");
  const filter = h("select", { id: "status-filter", "aria-label": "Status",
    onchange: () => { statuses = filter.value ? [filter.value] : []; offset = 0; load(); } },
    h("option", { value: "" }, "Every status"),
    ["RUNNING", "PAUSED", "WAITING_APPROVAL", "SCHEDULED", "SUCCEEDED", "FAILED", "ABORTED",
      "CANCELED", "ROLLED_BACK"].map((s) => h("option", { value: s }, s)));
  async function load() {
    const data = await graphql(LIST, { from: offset, size: PAGE,
      filter: statuses.length ? { statuses } : null });
    const page = data.login.firmwareOTAJobs;
    fill(body,
      table(["Rollout", "Product", "Version", "Status", "Progress", "Created"],
        page.items.map((job) => {
          const done = job.progress.succeeded + job.progress.skipped + job.progress.failed + job.progress.timedOut;
          return [link("rollouts/" + job.id, job.id.slice(0, 8)), job.product.name, job.targetVersion,
            badge(job.status),
            h("span", { class: "progress" },
              h("progress", { max: Math.max(job.totalDevices, 1), value: done }),
              ` ${done}/${job.totalDevices}`),
            when(job.createdAt)];
        }), { id: "rollouts" }),
      pager(page, offset, PAGE, (next) => { offset = next; load(); }));
  }
  fill(main, h("h1", {}, "Rollouts"), h("p", {}, filter), body);
  await load();
  // Any result transition of the organization may move a row: fetch the page again, at most
  // once a second.
  let pending = null;
  live.subscribe(`subscription { otaResultChanges { cursor jobId } }`, {}, {
    next: () => {
      if (!pending) {
        pending = setTimeout(() => { pending = null; load().catch(() => {}); }, 1000);
      }
    },
    onRestart: () => load().catch(() => {}),
  });
}

export function pager(page, from, size, go) {
  return h("p", { class: "pager" },
    from > 0 ? h("button", { class: "link", onclick: () => go(Math.max(0, from - size)) }, "← Newer") : null,
    ` ${page.items.length ? from + 1 : 0}–${page.last === null ? from : page.last + 1} of ${page.total} `,
    page.hasMore ? h("button", { class: "link", onclick: () => go(page.last + 1) }, "Older →") : null);
}

const STAGE_FIELDS = `index name kind status assigned started inFlight succeeded skipped failed timedOut
  rejected rolledBack unhealthy startedAt soakStartedAt finishedAt approvedBy promotedBy`;

const BY_STAGE = `progressByStage { stage progress { queued inProgress succeeded failed skipped timedOut } }`;

const JOB = `query Rollout($id: ID!) { firmwareOTAJob(id: $id) {
  id targetVersion status stopReason pauseReason createdAt startedAt finishedAt createdBy approvedBy
  estimatedFinishAt totalDevices maxInFlight allowDowngrade
  product { id name } deviceGroup { name }
  progress { queued inProgress succeeded failed skipped timedOut }
  ${BY_STAGE}
  stages { ${STAGE_FIELDS} }
  plan { requireApproval stages { name soakSeconds requireApproval
    gate { countedFailures maxFailureRate minimumSample minSuccessRate onBreach } } }
  failureBreakdown { total byErrorCode { errorCode count } byState { state count } byStage { stage count } }
  timeline { at kind what actor outcome stage }
} }`;

// Each recorded stage's finished devices over time, from the stored results' history.
const HISTORY = `query History($id: ID!) { firmwareOTAJob(id: $id) {
  progressHistory { stage name devices points { at finished } }
} }`;

const PROGRESS = `subscription Progress($id: ID!) { rolloutProgress(id: $id, intervalMs: 500) {
  status estimatedFinishAt finishedPerSecond at
  job { stopReason pauseReason finishedAt }
  progress { queued inProgress succeeded failed skipped timedOut }
  ${BY_STAGE}
  stages { ${STAGE_FIELDS} }
} }`;

/**
 * A stage's devices by outcome, live from the results when the API has them for the stage (the
 * stage's own counters are written at the workflow's checkpoints).
 */
function counts(job, stage) {
  const live = (job.progressByStage || []).find((p) => p.stage === stage.index);
  if (!live || stage.kind === "ROLLBACK") {
    return { ...stage, done: finished(stage), failedAll: stage.failed + stage.rejected + stage.rolledBack };
  }
  const p = live.progress;
  const c = { succeeded: p.succeeded, skipped: p.skipped, inFlight: p.inProgress, failed: p.failed,
    timedOut: p.timedOut, rejected: 0, failedAll: p.failed };
  const rows = p.queued + p.inProgress + p.succeeded + p.failed + p.skipped + p.timedOut;
  c.assigned = Math.max(stage.assigned, rows);
  c.done = p.succeeded + p.skipped + p.failed + p.timedOut;
  return c;
}

/** One rollout: live per-stage progress, the gate's numbers, failures, controls and timeline. */
export async function rolloutPage(main, { live, can }, id) {
  // The chart's history is asked for beside the rollout; without it the chart has the live
  // samples only.
  const history = graphql(HISTORY, { id }).then(
    (data) => ({ stages: data.firmwareOTAJob ? data.firmwareOTAJob.progressHistory : [] }),
    (error) => ({ stages: [], error }));
  let job = (await graphql(JOB, { id })).firmwareOTAJob;
  if (!job) {
    fill(main, h("h1", {}, "Rollout not found"), h("p", {}, "No rollout " + id + " in your organization."));
    return;
  }
  const series = new Map();
  let historyError = null;
  let rate = null;
  const header = h("div");
  const controls = h("div", { id: "controls", class: "controls" });
  const message = h("div", { id: "control-message", role: "status" });
  const stages = h("div", { id: "stages" });
  const chart = h("div", { id: "chart" });
  const failures = h("div", { id: "failures" });
  const timeline = h("div", { id: "timeline" });
  fill(main, header, controls, message, h("h2", {}, "Stages"), legend(), stages,
    h("h2", {}, "Progress over time"), chart, h("h2", {}, "Failures"), failures,
    h("h2", {}, "Timeline"), timeline);

  /** The chart's line of a stage, created empty the first time. */
  function line(stage) {
    const key = stage.index + ":" + stage.name;
    if (!series.has(key)) {
      series.set(key, { name: stage.name, points: [] });
    }
    return series.get(key);
  }

  function charted(stage) {
    return stage.kind === "UPDATE" || stage.kind === "ROLLBACK";
  }

  /**
   * Starts each stage's line with its stored history: the finished devices at each point, as a
   * share of the stage's devices as the live samples count them now.
   */
  function seed(stages) {
    for (const stage of job.stages.filter(charted)) {
      const past = stages.find((s) => s.stage === stage.index && s.name === stage.name);
      const points = line(stage).points;
      if (past) {
        const of = Math.max(past.devices, counts(job, stage).assigned, 1);
        points.push(...past.points.map((p) => ({ t: Date.parse(p.at), f: p.finished / of })));
      }
    }
  }

  /** Adds a live sample to each stage's line, never before the line's last point. */
  function sample(at) {
    const t = at ? Date.parse(at) : Date.now();
    for (const stage of job.stages.filter(charted)) {
      const c = counts(job, stage);
      const points = line(stage).points;
      const last = points[points.length - 1];
      points.push({ t: last ? Math.max(t, last.t) : t, f: c.done / Math.max(c.assigned, 1) });
    }
  }

  function render() {
    fill(header,
      h("h1", {}, `Rollout of ${job.targetVersion} to ${job.product.name}`,
        job.deviceGroup ? ` (group ${job.deviceGroup.name})` : ""),
      h("p", {}, "Status ", h("span", { id: "rollout-status" }, badge(job.status)),
        ` · ${job.totalDevices} devices · at most ${job.maxInFlight} at once`,
        rate !== null ? ` · ${rate.toFixed(1)} devices/s` : "",
        job.estimatedFinishAt ? ` · may finish ${when(job.estimatedFinishAt)}` : ""),
      h("p", { class: "muted" }, `Created ${when(job.createdAt)} by ${job.createdBy || "?"}`,
        job.approvedBy ? ` · approved by ${job.approvedBy}` : "",
        job.finishedAt ? ` · ended ${when(job.finishedAt)}` : "", " · id ", h("code", {}, job.id)),
      job.stopReason ? h("p", { id: "stop-reason", class: "error" }, "Stopped: ", job.stopReason) : null,
      job.pauseReason ? h("p", { id: "pause-reason", class: "warning" }, "Paused: ", job.pauseReason) : null);
    renderControls();
    fill(stages, table(["Stage", "Status", "Devices", "Progress", "Gate"],
      job.stages.map((stage) => {
        const c = counts(job, stage);
        return [
          stage.name + (stage.kind === "ROLLBACK" ? " (rollback)" : ""),
          badge(stage.status),
          h("span", { "data-stage": stage.index, "data-stage-done": c.done },
            `${c.done}/${c.assigned}`, c.inFlight ? ` (${c.inFlight} in flight)` : ""),
          stageBar(c),
          gate(stage, c),
        ];
      }), { class: "stages" }));
    fill(chart, progressChart([...series.values()]),
      historyError ? h("p", { class: "muted" }, `No history before this page opened: ${historyError.code} ${historyError.message}`) : null);
  }

  function gate(stage, c) {
    const planned = job.plan.stages.find((s) => s.name === stage.name);
    if (!planned || stage.kind !== "UPDATE") {
      return "";
    }
    const g = planned.gate;
    // The results count REJECTED and ROLLED_BACK among the failed: one of them counts them all.
    const failedKinds = ["FAILED", "REJECTED", "ROLLED_BACK"].filter((t) => g.countedFailures.includes(t));
    const counted = (failedKinds.length ? c.failedAll : 0) + (g.countedFailures.includes("TIMED_OUT") ? c.timedOut : 0);
    const done = c.done;
    const rateNow = done ? counted / done : 0;
    const judged = done >= g.minimumSample;
    const breached = judged && rateNow > g.maxFailureRate;
    const state = stage.status === "PENDING" ? "not started"
      : breached ? `breached → ${g.onBreach}` : judged ? "holding" : "collecting a sample";
    return h("span", { class: "gate " + (breached ? "breached" : "") },
      `${state}: failures ${percent(rateNow)} of ${done} (max ${percent(g.maxFailureRate)}, ` +
      `sample ≥ ${g.minimumSample})`,
      planned.soakSeconds ? ` · soak ${planned.soakSeconds} s` : "",
      stage.approvedBy ? ` · approved by ${stage.approvedBy}` : "",
      stage.promotedBy ? ` · promoted by ${stage.promotedBy}` : "");
  }

  function renderControls() {
    const terminal = TERMINAL.includes(job.status);
    const waiting = job.status === "WAITING_APPROVAL" || job.stages.some((s) => s.status === "WAITING_APPROVAL");
    const soaking = job.stages.some((s) => s.status === "SOAKING");
    const buttons = [];
    const add = (control, label, scope, shown, mutation, input = {}) => {
      if (shown && can(scope)) {
        buttons.push(h("button", { "data-control": control,
          onclick: () => send(label, mutation, { jobId: job.id, ...input }) }, label));
      }
    };
    add("approve", "Approve", "rollouts:approve", waiting, "approveOTAJob");
    add("pause", "Pause", "rollouts:write", !terminal && job.status !== "PAUSED", "pauseOTAJob");
    add("resume", "Resume", "rollouts:write", job.status === "PAUSED", "resumeOTAJob");
    add("promote", "Promote (end soak)", "rollouts:write", soaking, "promoteOTAJob");
    add("retry-failed", "Retry failed", "rollouts:write",
      !terminal && job.progress.failed + job.progress.timedOut > 0, "retryFailedOTAJob");
    add("cancel", "Cancel", "rollouts:write", !terminal, "cancelOTAJob", { rollback: false });
    add("cancel-rollback", "Cancel and roll back", "rollouts:write", !terminal, "cancelOTAJob", { rollback: true });
    fill(controls, buttons.length ? buttons
      : h("span", { class: "muted" }, terminal ? "The rollout has ended." : "Your token holds no control scope."));
  }

  async function send(label, mutation, input) {
    if (mutation === "cancelOTAJob" && !confirm(`${label}: are you sure?`)) {
      return;
    }
    const type = mutation === "cancelOTAJob" ? "CancelOTAJobInput" : "OTAJobControlInput";
    fill(message, h("span", { class: "muted" }, label + "…"));
    try {
      const data = await graphql(`mutation Control($input: ${type}!) { ${mutation}(input: $input) { job { status } } }`, { input });
      job.status = data[mutation].job.status;
      fill(message, h("span", { class: "ok" }, `${label}: accepted; the status follows once the rollout applied it.`));
      render();
      refresh();
    } catch (e) {
      fill(message, h("span", { class: "error", role: "alert" }, `${label} refused: ${e.code} ${e.message}`));
    }
  }

  async function refresh() {
    const fresh = (await graphql(JOB, { id })).firmwareOTAJob;
    job = fresh;
    renderFailures();
    renderTimeline();
    render();
  }

  function renderFailures() {
    const f = job.failureBreakdown;
    fill(failures, f.total === 0 ? h("p", { class: "muted" }, "No device failed.") : [
      h("p", {}, `${f.total} devices ended without the target version.`),
      table(["Error code", "Devices"], f.byErrorCode.map((c) => [c.errorCode || "(none)", c.count]), { id: "by-error-code" }),
      table(["State", "Devices"], f.byState.map((c) => [c.state, c.count])),
      table(["Stage", "Devices"], f.byStage.map((c) => [c.stage || "(none)", c.count])),
    ]);
  }

  function renderTimeline() {
    fill(timeline, table(["When", "What", "Who", "Outcome"],
      job.timeline.slice(-30).reverse().map((e) => [when(e.at),
        `${e.kind}${e.stage !== null && e.stage !== undefined ? " #" + e.stage : ""} ${e.what}`, e.actor, e.outcome || ""])));
  }

  const past = await history;
  historyError = past.error || null;
  seed(past.stages);
  sample(null);
  render();
  renderFailures();
  renderTimeline();
  let lastFailed = job.progress.failed + job.progress.timedOut;
  let lastStatus = job.status;
  live.subscribe(PROGRESS, { id }, {
    next: (data) => {
      const event = data.rolloutProgress;
      job.status = event.status;
      job.progress = event.progress;
      job.stages = event.stages;
      job.progressByStage = event.progressByStage;
      job.estimatedFinishAt = event.estimatedFinishAt;
      job.stopReason = event.job.stopReason;
      job.pauseReason = event.job.pauseReason;
      job.finishedAt = event.job.finishedAt;
      rate = event.finishedPerSecond;
      sample(event.at);
      render();
      const failed = event.progress.failed + event.progress.timedOut;
      if (failed !== lastFailed || event.status !== lastStatus) {
        lastFailed = failed;
        lastStatus = event.status;
        refresh().catch(() => {});
      }
    },
    error: (e) => fill(message, h("span", { class: "error" }, `Live updates stopped: ${e.code} ${e.message}`)),
    complete: () => refresh().catch(() => {}),
  });
}
