// Formatting and the one DOM helper every view uses. Text goes in as text nodes, never as HTML:
// beneficiary names and reasons are whatever holders typed on-chain.
import { formatUnits } from "ethers";

export const DECIMALS = 18;

/** `h("td", {class: "num"}, "12")`: an element with attributes and children (strings become text). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Tonnes from a wei string, trimmed: "425", "0.5", "0.000000000000000001". */
export function tonnes(wei) {
  const text = formatUnits(BigInt(wei), DECIMALS);
  return text.endsWith(".0") ? text.slice(0, -2) : text;
}

export function shortAddress(address) {
  return address ? `${address.slice(0, 6)}…${address.slice(-4)}` : "";
}

export function words(snake) {
  return String(snake).replaceAll("_", " ");
}

export function table(headers, rows, empty = "Nothing yet.") {
  if (rows.length === 0) return h("p", { class: "empty" }, empty);
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
    h("tbody", {}, rows),
  );
}

export function when(iso) {
  return new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}
