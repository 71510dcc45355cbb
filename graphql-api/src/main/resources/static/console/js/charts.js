// Pictures drawn as SVG from the API's numbers; no charting library.
import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) {
      continue;
    }
    element.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** The outcome colours, shared by the bars and the legend. */
export const OUTCOMES = [
  ["succeeded", "Succeeded"],
  ["skipped", "Skipped"],
  ["inFlight", "In flight"],
  ["failed", "Failed"],
  ["timedOut", "Timed out"],
  ["rejected", "Rejected"],
];

/** One stage's devices as a stacked bar over its assigned devices. */
export function stageBar(stage) {
  const total = Math.max(stage.assigned, 1);
  const parts = [];
  let x = 0;
  for (const [key, label] of OUTCOMES) {
    const value = stage[key] || 0;
    if (value > 0) {
      const width = (100 * value) / total;
      parts.push(
        svg("rect", { x: x + "%", y: 0, width: width + "%", height: 14, class: "o-" + key },
          svg("title", {}, `${label}: ${value}`)),
      );
      x += width;
    }
  }
  return svg("svg", { class: "bar", width: "100%", height: 14, role: "img",
    "aria-label": `${finished(stage)} of ${stage.assigned} finished` },
    svg("rect", { x: 0, y: 0, width: "100%", height: 14, class: "o-rest" }), parts);
}

export function legend() {
  return h("div", { class: "legend" },
    OUTCOMES.map(([key, label]) => h("span", {}, h("i", { class: "o-" + key }), label)));
}

/** Devices of a stage that reached a final outcome. */
export function finished(stage) {
  return stage.succeeded + stage.skipped + stage.failed + stage.timedOut + stage.rejected;
}

/**
 * Progress per stage over time: one line per stage, finished devices as a share of the stage's
 * devices. Each line starts with the stage's stored history up to the page's opening
 * (`FirmwareOTAJob.progressHistory`) and goes on with the samples the rollout's live events bring.
 * `series` is `[{name, points: [{t (ms), f (0 to 1)}]}]`, each line's points oldest first.
 */
export function progressChart(series) {
  const width = 640;
  const height = 180;
  const pad = 32;
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    return h("p", { class: "muted" }, "The chart fills as the rollout's progress arrives.");
  }
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(t0 + 1000, ...all.map((p) => p.t));
  const x = (t) => pad + ((t - t0) / (t1 - t0)) * (width - 2 * pad);
  const y = (f) => height - pad + -f * (height - 2 * pad);
  const lines = series.map((s, i) =>
    svg("polyline", {
      class: "line c" + (i % 6),
      fill: "none",
      points: s.points.map((p) => `${x(p.t).toFixed(1)},${y(p.f).toFixed(1)}`).join(" "),
    }),
  );
  const axes = [
    svg("line", { x1: pad, y1: y(0), x2: width - pad, y2: y(0), class: "axis" }),
    svg("line", { x1: pad, y1: y(0), x2: pad, y2: y(1), class: "axis" }),
    svg("text", { x: 2, y: y(1) + 4, class: "tick" }, "100%"),
    svg("text", { x: 8, y: y(0) + 4, class: "tick" }, "0%"),
    svg("text", { x: width - pad, y: height - 8, class: "tick", "text-anchor": "end" },
      duration(t1 - t0)),
  ];
  return h("figure", { class: "chart" },
    svg("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img",
      "aria-label": "Finished devices per stage over time" }, axes, lines),
    h("figcaption", {}, series.map((s, i) => h("span", {}, h("i", { class: "c" + (i % 6) }), s.name))));
}

/** A time span for the chart's axis, in the largest unit that keeps it above two of them. */
function duration(ms) {
  const seconds = Math.round(ms / 1000);
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["min", 60]]) {
    if (seconds >= 2 * size) {
      return `${Math.round(seconds / size)} ${unit}`;
    }
  }
  return `${seconds} s`;
}

/** The fleet's firmware versions as horizontal bars. */
export function versionChart(versions) {
  const total = versions.reduce((sum, v) => sum + v.count, 0);
  if (total === 0) {
    return h("p", { class: "muted" }, "No devices.");
  }
  const rowHeight = 22;
  const labelWidth = 150;
  const width = 640;
  const rows = versions.map((v, i) => {
    const w = ((width - labelWidth - 60) * v.count) / total;
    const yTop = i * rowHeight;
    return svg("g", {},
      svg("text", { x: 0, y: yTop + 15, class: "tick" }, v.version || "(none reported)"),
      svg("rect", { x: labelWidth, y: yTop + 4, width: Math.max(w, 1), height: 14, class: "c" + (i % 6) + " fill" }),
      svg("text", { x: labelWidth + w + 6, y: yTop + 15, class: "tick" }, `${v.count} (${Math.round((100 * v.count) / total)}%)`));
  });
  return svg("svg", { viewBox: `0 0 ${width} ${versions.length * rowHeight}`, width: "100%",
    class: "versions", role: "img", "aria-label": "Devices per firmware version" }, rows);
}
