// Building the page from data without ever parsing data as HTML: every text goes through
// textContent, so a device name or an error message cannot inject markup.

/** Creates an element: attributes (`on*` functions become listeners), then children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    if (Array.isArray(child)) {
      append(element, child);
    } else if (child instanceof Node) {
      element.appendChild(child);
    } else {
      element.appendChild(document.createTextNode(String(child)));
    }
  }
}

/** Replaces an element's content. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A table with a header row; `rows` are arrays of cells (text or nodes). */
export function table(headers, rows, attributes = {}) {
  return h(
    "table",
    attributes,
    h("thead", {}, h("tr", {}, headers.map((header) => h("th", {}, header)))),
    h(
      "tbody",
      {},
      rows.length
        ? rows.map((cells) => h("tr", {}, cells.map((cell) => h("td", {}, cell))))
        : h("tr", {}, h("td", { colspan: headers.length, class: "empty" }, "Nothing to show.")),
    ),
  );
}

/** A link inside the console. */
export function link(route, text) {
  return h("a", { href: "#/" + route }, text);
}

export function when(iso) {
  if (!iso) {
    return "";
  }
  const date = new Date(iso);
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

export function bytes(n) {
  if (n === null || n === undefined) {
    return "";
  }
  if (n < 1024) {
    return n + " B";
  }
  if (n < 1024 * 1024) {
    return (n / 1024).toFixed(1) + " KiB";
  }
  return (n / 1024 / 1024).toFixed(1) + " MiB";
}

export function percent(fraction) {
  return (100 * fraction).toFixed(fraction < 0.1 ? 1 : 0) + "%";
}

/** A status as a coloured badge. */
export function badge(status) {
  return h("span", { class: "badge " + String(status || "").toLowerCase() }, status || "");
}
