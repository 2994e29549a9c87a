// The read-only views: they need the bridge's API only, no wallet.
import { get, list } from "./api.js";
import { h, shortAddress, table, tonnes, when, words } from "./format.js";

export async function catalogue() {
  const [projects, vintages] = await Promise.all([list("/projects", 500), list("/vintages", 500)]);
  return [
    h("h2", {}, "Vintage tokens"),
    h("p", { class: "hint" }, "One ERC-20 per registry project vintage; 1 token = 1 tonne CO2e, locked at its registry."),
    table(
      ["Token", "Registry", "Project", "Vintage", "Category", "Scope", "Labels", "Country", "Methodology", "Address"],
      vintages.map((v) =>
        h(
          "tr",
          { dataset: { vintage: v.symbol } },
          h("td", {}, h("strong", {}, v.symbol)),
          h("td", {}, words(v.registry)),
          h("td", {}, v.project_name || v.project_id),
          h("td", {}, `${v.vintage_start} – ${v.vintage_end}`),
          h("td", {}, words(v.category)),
          h("td", { class: "num" }, v.sectoral_scope || "–"),
          h("td", {}, v.labels.map(words).join(", ") || "–"),
          h("td", {}, v.country || "–"),
          h("td", {}, v.methodology || "–"),
          h("td", { class: "mono" }, v.token_address ? h("span", { title: v.token_address }, shortAddress(v.token_address)) : "being created"),
        ),
      ),
      "No credits bridged yet.",
    ),
    h("h2", {}, "Projects"),
    table(
      ["Registry", "Project", "Name", "Country", "Category", "Vintages"],
      projects.map((p) =>
        h(
          "tr",
          {},
          h("td", {}, words(p.registry)),
          h("td", {}, p.project_id),
          h("td", {}, p.name || "–"),
          h("td", {}, p.country || "–"),
          h("td", {}, words(p.category)),
          h("td", { class: "num" }, p.vintages),
        ),
      ),
    ),
  ];
}

export function criteriaText(c) {
  const parts = [];
  if (c.registries.length) parts.push(`registries: ${c.registries.map(words).join(", ")}`);
  if (c.categories.length) parts.push(`categories: ${c.categories.map(words).join(", ")}`);
  if (c.sectoral_scopes.length) parts.push(`sectoral scopes: ${c.sectoral_scopes.join(", ")}`);
  if (c.min_vintage_year) parts.push(`vintages from ${c.min_vintage_year}`);
  if (c.required_labels.length) parts.push(`labels: ${c.required_labels.map(words).join(", ")}`);
  return parts.length ? parts.join(" · ") : "any vintage token of the bridge";
}

export async function pools() {
  const all = await get("/pools");
  return [
    h("h2", {}, "Commodity pools"),
    h("p", { class: "hint" }, "Deposit a vintage token a pool accepts and receive its pool token 1:1; redeem pool tokens for vintages it holds (oldest first by default)."),
    all.map((pool) =>
      h(
        "section",
        { class: "card pool", dataset: { pool: pool.symbol } },
        h("h3", {}, `${pool.symbol} — ${pool.name}`),
        h(
          "dl",
          {},
          h("dt", {}, "Accepts"),
          h("dd", { class: "criteria" }, criteriaText(pool.criteria)),
          h("dt", {}, "Supply"),
          h("dd", {}, `${tonnes(pool.total_supply_wei)} t`),
          h("dt", {}, "Fee on redemption"),
          h("dd", {}, `${pool.fee_bps / 100}%`),
          h("dt", {}, "Address"),
          h("dd", { class: "mono" }, pool.address),
        ),
        table(
          ["Vintage held", "Tonnes"],
          pool.holdings.map((x) => h("tr", {}, h("td", {}, x.symbol), h("td", { class: "num" }, tonnes(x.amount_wei)))),
          "Holds nothing yet.",
        ),
      ),
    ),
  ];
}

export async function retirements(symbols) {
  const items = await list("/retirements", 100);
  return [
    h("h2", {}, "Recent retirements"),
    table(
      ["Certificate", "Vintage", "Tonnes", "Beneficiary", "Reason", "Registry retirement"],
      items.map((r) =>
        h(
          "tr",
          {},
          h("td", {}, h("a", { href: `#/certificates/${r.certificate_id}` }, `#${r.certificate_id}`)),
          h("td", {}, symbols.get(r.vintage_id) || r.vintage_id),
          h("td", { class: "num" }, tonnes(r.amount_wei)),
          h("td", {}, r.beneficiary_name || shortAddress(r.beneficiary)),
          h("td", {}, words(r.reason) + (r.reason_text ? ` — ${r.reason_text}` : "")),
          h("td", {}, r.registry_reference || words(r.status)),
        ),
      ),
      "No retirements yet.",
    ),
  ];
}

export async function certificate(id) {
  const c = await get(`/certificates/${encodeURIComponent(id)}`);
  const registry =
    c.registry_reference ||
    (c.status === "awaiting_listener"
      ? "the bridge is following the chain; the registry retirement follows"
      : "pending at the registry (the bridge retires the whole tonnes there)");
  return [
    h(
      "article",
      { class: "certificate", dataset: { certificate: c.id } },
      h("p", { class: "eyebrow" }, "Carbon retirement certificate"),
      h("h2", {}, `#${c.id}`),
      h("p", { class: "big" }, `${tonnes(c.amount_wei)} t CO2e retired`),
      h(
        "dl",
        {},
        h("dt", {}, "Beneficiary"),
        h("dd", { class: "beneficiary" }, c.beneficiary_name || "–"),
        h("dt", {}, "Beneficiary address"),
        h("dd", { class: "mono" }, c.beneficiary),
        h("dt", {}, "Vintage"),
        h("dd", {}, c.symbol || c.vintage),
        h("dt", {}, "Reason"),
        h("dd", {}, words(c.reason) + (c.reason_text ? ` — ${c.reason_text}` : "")),
        h("dt", {}, "Retired"),
        h("dd", {}, when(c.retired_at)),
        h("dt", {}, "Registry retirement"),
        h("dd", { class: "registry" }, registry),
        h("dt", {}, "Certificate owner"),
        h("dd", { class: "mono" }, c.owner),
      ),
      h("p", { class: "hint" }, "An ERC-721 token; its metadata is written on-chain by the certificate contract."),
    ),
  ];
}

/** What a reserves status means, in plain words. */
const RESERVES_STATUS = {
  balanced: { badge: "badge ok", mark: "✓", text: (b) => `Balanced at block ${b}: every token is backed by a locked tonne.` },
  unbalanced: { badge: "badge bad", mark: "✗", text: (b) => `Unbalanced at block ${b}: the tokens and the locked tonnes disagree; see the rows marked below.` },
  unknown: { badge: "badge warn", mark: "?", text: (b) => `Unknown at block ${b ?? "–"}: the chain cannot be read right now, so the on-chain supply could not be checked.` },
};

export async function reserves() {
  const r = await get("/reserves");
  const status = RESERVES_STATUS[r.status] ?? RESERVES_STATUS.unknown;
  const unknown = r.unknown_vintages ?? [];
  return [
    h("h2", {}, "Reserves"),
    h("p", { class: status.badge, id: "reserves-status", "data-status": r.status }, status.text(r.at_block)),
    h(
      "p",
      { class: "hint" },
      "Both sides are read at one block: the last one whose burns the bridge has applied and whose mints it has recorded. " +
        "Pending tonnes are locked for mints not yet counted at that block.",
    ),
    chart(r.vintages),
    table(
      ["Vintage", "Locked t", "Pending t", "Retired t", "Released t", "Expected supply", "On-chain supply", "In pools", ""],
      r.vintages.map((v) => {
        const row = RESERVES_STATUS[v.status] ?? RESERVES_STATUS.unknown;
        return h(
          "tr",
          { class: v.status === "unbalanced" ? "bad" : "", "data-status": v.status },
          h("td", {}, v.symbol),
          h("td", { class: "num" }, v.locked_tonnes),
          h("td", { class: "num" }, v.pending_tonnes),
          h("td", { class: "num" }, v.retired_tonnes),
          h("td", { class: "num" }, v.released_tonnes),
          h("td", { class: "num" }, tonnes(v.expected_supply_wei)),
          h("td", { class: "num" }, v.onchain_supply_wei === null ? "?" : tonnes(v.onchain_supply_wei)),
          h("td", {}, Object.entries(v.pool_holdings_wei).map(([pool, wei]) => `${pool} ${tonnes(wei)}`).join(", ") || "–"),
          h("td", { title: v.status }, row.mark),
        );
      }),
      "No vintages yet.",
    ),
    unknown.length === 0
      ? h("div", { id: "unknown-vintages" })
      : h(
          "section",
          { id: "unknown-vintages" },
          h("h3", {}, "Tokens the bridge did not create"),
          h(
            "p",
            { class: "hint" },
            "The factory lists these vintage tokens, but the bridge has no record of them. Any supply they have is not backed by tonnes the bridge locked.",
          ),
          table(
            ["Token address", "On-chain supply", "In pools", ""],
            unknown.map((u) =>
              h(
                "tr",
                { class: u.balanced ? "" : "bad" },
                h("td", { class: "mono" }, u.token_address),
                h("td", { class: "num" }, tonnes(u.onchain_supply_wei)),
                h("td", {}, Object.entries(u.pool_holdings_wei).map(([pool, wei]) => `${pool} ${tonnes(wei)}`).join(", ") || "–"),
                h("td", {}, u.balanced ? "no supply" : "✗ unbacked supply"),
              ),
            ),
            "",
          ),
        ),
  ];
}

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const child of children) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

/** Locked tonnes (the registry side) beside on-chain supply, one pair of bars per vintage. */
function chart(vintages) {
  if (vintages.length === 0) return h("div");
  const rows = vintages.map((v) => ({
    symbol: v.symbol,
    locked: Number(tonnes(v.expected_supply_wei)),
    supply: v.onchain_supply_wei === null ? 0 : Number(tonnes(v.onchain_supply_wei)),
  }));
  const max = Math.max(1, ...rows.flatMap((r) => [r.locked, r.supply]));
  const label = 150, width = 640, bar = 12, gap = 14;
  const height = rows.length * (2 * bar + gap) + 30;
  const scale = (x) => ((width - label - 70) * x) / max;
  const out = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": "Locked tonnes and on-chain supply per vintage" });
  rows.forEach((r, i) => {
    const y = i * (2 * bar + gap) + 4;
    out.append(
      svg("text", { x: 0, y: y + bar + 4, class: "label" }, r.symbol),
      svg("rect", { x: label, y, width: scale(r.locked), height: bar, class: "locked" }, svg("title", {}, `${r.symbol}: ${r.locked} t locked`)),
      svg("text", { x: label + scale(r.locked) + 4, y: y + bar - 2, class: "value" }, r.locked),
      svg("rect", { x: label, y: y + bar, width: scale(r.supply), height: bar, class: "supply" }, svg("title", {}, `${r.symbol}: ${r.supply} t on-chain`)),
      svg("text", { x: label + scale(r.supply) + 4, y: y + 2 * bar - 2, class: "value" }, r.supply),
    );
  });
  const legendY = height - 8;
  out.append(
    svg("rect", { x: label, y: legendY - 9, width: 10, height: 10, class: "locked" }),
    svg("text", { x: label + 14, y: legendY, class: "label" }, "locked at the registry (expected supply)"),
    svg("rect", { x: label + 290, y: legendY - 9, width: 10, height: 10, class: "supply" }),
    svg("text", { x: label + 304, y: legendY, class: "label" }, "on-chain supply"),
  );
  return h("figure", {}, out);
}
