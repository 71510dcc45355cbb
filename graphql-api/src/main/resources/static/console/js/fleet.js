// The fleet: devices with their version distribution, one device's page, firmware with its
// deltas, and the audit log.
import { graphql } from "./api.js";
import { h, fill, table, link, when, bytes, badge } from "./dom.js";
import { versionChart } from "./charts.js";
import { pager } from "./rollouts.js";

const PAGE = 50;

const DEVICES = `query Devices($filter: DeviceFilter, $from: Int!, $size: Int!) { login {
  devices(filter: $filter, from: $from, size: $size) { total hasMore last
    items { id name online lastHeard firmwareVersion { version } product { id name } } }
} }`;

/** The devices, by product's version distribution, then a page of the list; live presence. */
export async function devicesPage(main, { live }) {
  const products = (await graphql(`{ login { products(size: 100) { items { id name
      compliance { totalDevices behindLatest latestVersion { version } versions { version count } } } } } }`))
    .login.products.items;
  let offset = 0;
  let namePrefix = "";
  const list = h("div");
  const search = h("input", { id: "device-search", placeholder: "Name starts with…", "aria-label": "Name prefix",
    oninput: () => { namePrefix = search.value.trim(); offset = 0; load().catch(() => {}); } });
  async function load() {
    const page = (await graphql(DEVICES, { from: offset, size: PAGE,
      filter: namePrefix ? { namePrefix } : null })).login.devices;
    fill(list,
      table(["Device", "Product", "Version", "Online", "Last heard"], page.items.map((d) => [
        link("devices/" + d.id, d.name), d.product.name, d.firmwareVersion ? d.firmwareVersion.version : "",
        d.online ? badge("ONLINE") : badge("OFFLINE"), when(d.lastHeard)]), { id: "devices" }),
      pager(page, offset, PAGE, (next) => { offset = next; load(); }));
  }
  fill(main, h("h1", {}, "Devices"),
    products.map((p) => h("section", { class: "card" },
      h("h2", {}, p.name),
      h("p", { class: "muted" }, `${p.compliance.totalDevices} devices`,
        p.compliance.latestVersion ? ` · ${p.compliance.behindLatest} behind ${p.compliance.latestVersion.version}` : ""),
      versionChart(p.compliance.versions))),
    h("h2", {}, "Every device"), h("p", {}, search), list);
  await load();
  let pending = null;
  live.subscribe(`subscription { deviceChanges { cursor kind } }`, {}, {
    next: () => {
      if (!pending) {
        pending = setTimeout(() => { pending = null; load().catch(() => {}); }, 1000);
      }
    },
  });
}

const DEVICE = `query Device($id: ID!) {
  device(id: $id) {
    id name online lastHeard lastIp created hardwareId serialNumber notes tags firmwareLock
    targetFirmwareVersion firmwareVersion { version } product { id name } groups { id name }
    info { platform hardware radio bootloaderVersion systemVersion reportedAt }
    vitals { measuredAt uptimeSeconds resetReason bootCount freeMemory totalMemory signalStrength signalQuality }
    updates(size: 20) { total items { job { id targetVersion status } state attempt bytesSent artifactKind
      errorCode updatedAt } }
  }
  events(filter: { deviceId: $id }, size: 20) { items { name data publishedAt backfilled } }
}`;

/** One device: identity, presence, version, updates across rollouts, events and vitals. */
export async function devicePage(main, { live }, id) {
  async function load() {
    const data = await graphql(DEVICE, { id });
    const d = data.device;
    if (!d) {
      fill(main, h("h1", {}, "Device not found"), h("p", {}, "No device " + id + " in your organization."));
      return;
    }
    const row = (label, value) => (value === null || value === undefined || value === "" ? null
      : h("tr", {}, h("th", {}, label), h("td", {}, value)));
    fill(main,
      h("h1", {}, d.name, " ", h("span", { id: "device-online" }, badge(d.online ? "ONLINE" : "OFFLINE"))),
      h("table", { class: "facts" }, h("tbody", {},
        row("Id", h("code", {}, d.id)), row("Product", d.product.name),
        row("Firmware", d.firmwareVersion ? d.firmwareVersion.version : "(none reported)"),
        row("Target", d.targetFirmwareVersion), row("Locked to", d.firmwareLock),
        row("Last heard", when(d.lastHeard)), row("Address", d.lastIp), row("Registered", when(d.created)),
        row("Hardware id", d.hardwareId), row("Serial number", d.serialNumber),
        row("Groups", d.groups.map((g) => g.name).join(", ")), row("Tags", d.tags.join(", ")),
        row("Notes", d.notes),
        d.info ? row("Platform", [d.info.platform, d.info.hardware, d.info.radio].filter(Boolean).join(" · ")) : null,
        d.info ? row("Boot loader / system", [d.info.bootloaderVersion, d.info.systemVersion].filter(Boolean).join(" / ")) : null)),
      h("h2", {}, "Vitals"),
      d.vitals ? h("p", {}, `Measured ${when(d.vitals.measuredAt)} · up ${d.vitals.uptimeSeconds} s`,
        d.vitals.resetReason ? ` · last reset ${d.vitals.resetReason}` : "",
        d.vitals.freeMemory !== null ? ` · memory ${bytes(d.vitals.freeMemory)} free of ${bytes(d.vitals.totalMemory)}` : "",
        d.vitals.signalStrength !== null ? ` · signal ${d.vitals.signalStrength} dBm` : "",
        d.vitals.signalQuality !== null ? ` · link quality ${d.vitals.signalQuality}/100` : "")
        : h("p", { class: "muted" }, "The device has not reported vitals."),
      h("h2", {}, `Updates (${d.updates.total})`),
      table(["Rollout", "Version", "Rollout status", "Result", "Attempt", "Artifact", "Bytes", "Error", "Updated"],
        d.updates.items.map((u) => [link("rollouts/" + u.job.id, u.job.id.slice(0, 8)), u.job.targetVersion,
          badge(u.job.status), badge(u.state), u.attempt, u.artifactKind || "", bytes(u.bytesSent), u.errorCode || "",
          when(u.updatedAt)]), { id: "device-updates" }),
      h("h2", {}, "Recent events"),
      table(["Published", "Name", "Data"], data.events.items.map((e) => [when(e.publishedAt) + (e.backfilled ? " (backfilled)" : ""),
        e.name, h("code", {}, e.data.length > 120 ? e.data.slice(0, 120) + "…" : e.data)])));
  }
  await load();
  live.subscribe(`subscription Changes($id: ID!) { deviceChanges(filter: { deviceId: $id }) { cursor kind } }`,
    { id }, { next: () => load().catch(() => {}), onRestart: () => load().catch(() => {}) });
  live.subscribe(`subscription Results($id: ID!) { otaResultChanges(filter: { deviceId: $id }) { cursor state } }`,
    { id }, { next: () => load().catch(() => {}) });
}

/** A product's firmware, newest first, with the deltas built to it and their sizes. */
export async function firmwarePage(main) {
  const products = (await graphql(`{ login { products(size: 100) { items { id name } } } }`)).login.products.items;
  const body = h("div");
  const choice = h("select", { id: "firmware-product", "aria-label": "Product", onchange: () => load().catch(() => {}) },
    products.map((p) => h("option", { value: p.id }, p.name)));
  async function load() {
    const p = (await graphql(`query Firmware($id: ID!) { product(id: $id) { id name releasedFirmware { version }
      firmware(size: 50) { total items { id version title size sha256 uploadedAt deltaBuildStatus
        invalidatedAt invalidReason deltas { fromVersion format size status reason } } } } }`, { id: choice.value })).product;
    fill(body,
      h("p", { class: "muted" }, `${p.firmware.total} builds`, p.releasedFirmware ? ` · released ${p.releasedFirmware.version}` : ""),
      table(["Version", "Size", "Uploaded", "Deltas to it", "State"], p.firmware.items.map((f) => [
        h("span", { title: f.sha256 }, f.version, f.title ? ` (${f.title})` : ""),
        bytes(f.size), when(f.uploadedAt),
        f.deltas.length ? h("ul", { class: "deltas" }, f.deltas.map((d) => h("li", {},
          `from ${d.fromVersion}: `, d.size !== null ? `${bytes(d.size)} (${((100 * d.size) / f.size).toFixed(1)}% of the image)` : "",
          ` ${d.format} `, badge(d.status), d.reason ? ` ${d.reason}` : "")))
          : h("span", { class: "muted" }, f.deltaBuildStatus || "none"),
        f.invalidatedAt ? h("span", { class: "error" }, `invalid since ${when(f.invalidatedAt)}: ${f.invalidReason || ""}`) : "valid",
      ]), { class: "firmware" }));
  }
  if (products.length === 0) {
    fill(main, h("h1", {}, "Firmware"), h("p", { class: "muted" }, "No product yet."));
    return;
  }
  fill(main, h("h1", {}, "Firmware"), h("p", {}, "Product ", choice), body);
  await load();
}

/** The audit log, newest first, with its chain's verification. */
export async function auditPage(main, { can }) {
  if (!can("audit:read")) {
    fill(main, h("h1", {}, "Audit log"), h("p", { class: "error" }, "Your token lacks the scope audit:read."));
    return;
  }
  let offset = 0;
  let actor = "";
  const list = h("div");
  const verification = h("p");
  const filter = h("input", { id: "audit-actor", placeholder: "Actor (exact)", "aria-label": "Actor",
    onchange: () => { actor = filter.value.trim(); offset = 0; load().catch(() => {}); } });
  async function load() {
    const data = await graphql(`query Audit($from: Int!, $size: Int!, $filter: AuditFilter) { login {
      auditLog(from: $from, size: $size, filter: $filter) { total hasMore last
        items { occurredAt actor action target details chainSeq } }
      auditVerification { intact entries firstBadSeq reason } } }`,
    { from: offset, size: PAGE, filter: actor ? { actor } : null });
    const log = data.login.auditLog;
    const v = data.login.auditVerification;
    fill(verification, v.intact ? h("span", { class: "ok" }, `Chain intact (${v.entries} entries checked).`)
      : h("span", { class: "error" }, `Chain broken at entry ${v.firstBadSeq}: ${v.reason || ""}`));
    fill(list, table(["When", "Actor", "Action", "Target", "Details"], log.items.map((e) => [
      when(e.occurredAt), e.actor, e.action, e.target || "", h("code", {}, e.details || "")]), { id: "audit" }),
    pager(log, offset, PAGE, (next) => { offset = next; load(); }));
  }
  fill(main, h("h1", {}, "Audit log"), verification, h("p", {}, filter), list);
  await load();
}
