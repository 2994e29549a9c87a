// The token holders' page: read-only views from the bridge's API, and a wallet (EIP-1193) for the
// actions. Routes are hash fragments so the service serves one file: #/wallet, #/pools, ...
import { getAddress, isAddress, parseUnits } from "ethers";
import { get, list } from "./api.js";
import { explain } from "./errors.js";
import { DECIMALS, h, shortAddress, table, tonnes, words } from "./format.js";
import * as views from "./views.js";
import { NoWallet, Wallet } from "./wallet.js";

const state = { network: null, wallet: null, balances: [], symbols: new Map(), vintages: [] };
const main = () => document.getElementById("view");

const ROUTES = {
  wallet: walletView,
  catalogue: () => views.catalogue(),
  pools: () => views.pools(),
  retirements: () => views.retirements(state.symbols),
  reserves: () => views.reserves(),
  certificates: (id) => views.certificate(id),
};

let rendering = 0;

async function render() {
  const mine = ++rendering; // a newer render (hash change, wallet event) wins over a slower older one
  const [name, arg] = location.hash.replace(/^#\/?/, "").split("/");
  const route = ROUTES[name] ? name : "wallet";
  for (const link of document.querySelectorAll("nav a")) {
    link.classList.toggle("active", link.getAttribute("href") === `#/${route}`);
  }
  const view = main();
  view.setAttribute("aria-busy", "true");
  let content;
  try {
    await loadVintages();
    content = [await ROUTES[route](arg)].flat(Infinity);
  } catch (err) {
    content = [h("p", { class: "error", role: "alert" }, explain(err))];
  }
  if (mine !== rendering) return;
  view.replaceChildren(...content);
  view.setAttribute("aria-busy", "false");
}

async function loadVintages() {
  state.vintages = await list("/vintages", 500);
  state.symbols = new Map(state.vintages.map((v) => [v.id, v.symbol]));
}

// --- the wallet -------------------------------------------------------------------------------

async function connect() {
  const ethereum = Wallet.injected();
  if (!ethereum) throw new NoWallet();
  const wallet = new Wallet(ethereum, state.network);
  await wallet.connect();
  state.wallet = wallet;
  wallet.on("accountsChanged", (accounts) => {
    wallet.address = accounts[0] ?? null;
    if (!wallet.address) state.wallet = null;
    showAccount();
    render();
  });
  wallet.on("chainChanged", () => render());
  showAccount();
}

function showAccount() {
  const slot = document.getElementById("account");
  if (state.wallet?.address) {
    slot.replaceChildren(h("span", { class: "address", title: state.wallet.address }, shortAddress(state.wallet.address)));
  } else {
    slot.replaceChildren(h("button", { id: "connect", onclick: () => connect().then(render).catch(showError) }, "Connect wallet"));
  }
}

function showError(err) {
  main().prepend(h("p", { class: "error", role: "alert" }, explain(err)));
}

async function walletView() {
  if (!state.wallet?.address) {
    return [
      h("h2", {}, "Your carbon tokens"),
      h("p", {}, "Connect a wallet (MetaMask or any EIP-1193 wallet) to see your vintage and pool tokens, transfer them, retire them for a certificate, use the pools, or send credits back to a registry."),
      h("button", { class: "primary", onclick: () => connect().then(render).catch(showError) }, "Connect wallet"),
      Wallet.injected() ? null : h("p", { class: "hint" }, new NoWallet().message),
      h("p", { class: "hint" }, "Without a wallet you can still browse the catalogue, pools, retirements and reserves."),
    ];
  }
  const [balances, pools] = await Promise.all([get(`/balances/${state.wallet.address}`), get("/pools")]);
  state.balances = balances.tokens;
  const vintages = state.balances.filter((t) => t.vintage_id !== null);
  const poolTokens = state.balances.filter((t) => t.vintage_id === null);
  return [
    h("h2", {}, "Your carbon tokens"),
    h("p", { class: "hint mono" }, state.wallet.address),
    table(
      ["Token", "Kind", "Tonnes", ""],
      state.balances.map((t) =>
        h(
          "tr",
          { dataset: { token: t.symbol } },
          h("td", {}, h("strong", {}, t.symbol)),
          h("td", {}, t.vintage_id === null ? "pool token" : "vintage token"),
          h("td", { class: "num balance" }, tonnes(t.balance_wei)),
          h("td", {}, h("button", { class: "small", onclick: (e) => addToWallet(t, e.target) }, "Add to wallet")),
        ),
      ),
      "This wallet holds no bridge tokens yet.",
    ),
    h(
      "div",
      { class: "actions" },
      retireForm(vintages),
      transferForm(state.balances),
      depositForm(vintages, pools),
      poolRedeemForm(poolTokens, pools),
      redemptionForm(vintages),
    ),
  ];
}

async function addToWallet(token, button) {
  try {
    const added = await state.wallet.watch(token);
    button.textContent = added ? "Added ✓" : "Not added";
  } catch (err) {
    button.replaceWith(h("span", { class: "error", role: "alert" }, explain(err)));
  }
}

// --- forms ------------------------------------------------------------------------------------

function field(label, control) {
  control.setAttribute("aria-label", label);
  return h("label", {}, h("span", {}, label), control);
}

function select(name, options) {
  const shown = options.length ? options : [["", "none held"]];
  return h("select", { name }, shown.map(([value, text]) => h("option", { value }, text)));
}

function amountInput(name = "amount") {
  return h("input", { name, inputmode: "decimal", placeholder: "tonnes, e.g. 2 or 0.5", autocomplete: "off" });
}

/** A form whose submit runs `action(values, say)`; `say` writes progress, and errors come out in plain words. */
function form(id, title, hint, controls, submitText, action) {
  const status = h("output", { class: "status", role: "status" });
  const button = h("button", { type: "submit", class: "primary" }, submitText);
  const say = (text, kind = "") => {
    status.className = `status ${kind}`;
    status.setAttribute("role", kind === "error" ? "alert" : "status");
    status.replaceChildren(...[text].flat());
  };
  const el = h("form", { id, class: "card" }, h("h3", {}, title), hint ? h("p", { class: "hint" }, hint) : null, controls, button, status);
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      await action(Object.fromEntries(new FormData(el)), say);
    } catch (err) {
      say(explain(err), "error");
    } finally {
      button.disabled = false;
    }
  });
  return el;
}

class InputError extends Error {}

function parseAmount(text, wholeTonnes = false) {
  const trimmed = String(text ?? "").trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) throw new InputError("Enter an amount in tonnes, like 2 or 0.5.");
  if (wholeTonnes && trimmed.includes(".") && !/\.0*$/.test(trimmed))
    throw new InputError("Registries take credits back in whole tonnes only: enter a whole number of tonnes.");
  const wei = parseUnits(trimmed, DECIMALS);
  if (wei === 0n) throw new InputError("Enter an amount above zero.");
  return wei;
}

function parseRecipient(text, what) {
  const trimmed = String(text ?? "").trim();
  if (!isAddress(trimmed)) throw new InputError(`${what} must be an address: 0x followed by 40 hex digits.`);
  return getAddress(trimmed);
}

function tokenOptions(tokens) {
  return tokens.map((t) => [t.token_address, `${t.symbol} (${tonnes(t.balance_wei)} t)`]);
}

async function sendAndWait(say, what, send) {
  say(`${what}: confirm in your wallet…`);
  const tx = await send();
  say(`${what}: sent (${shortAddress(tx.hash)}), waiting for the block…`);
  const receipt = await tx.wait();
  if (receipt.status !== 1) throw new Error(`${what} failed on-chain.`);
  return receipt;
}

function retireForm(vintages) {
  const reasons = state.network.retirement_reasons.map((r, i) => [String(i), words(r)]);
  return form(
    "retire",
    "Retire",
    "Burn tokens for good and get a retirement certificate (an NFT). The bridge then retires the matching whole tonnes at the registry.",
    [
      field("Vintage", select("token", tokenOptions(vintages))),
      field("Tonnes", amountInput()),
      field("Beneficiary name", h("input", { name: "beneficiaryName", maxlength: 200, placeholder: "who the retirement is for" })),
      field("Beneficiary address (optional)", h("input", { name: "beneficiary", placeholder: "0x… — empty: this wallet" })),
      field("Reason", select("reason", reasons)),
      field("Reason details", h("input", { name: "reasonText", maxlength: 500, placeholder: "e.g. 2026 office emissions; case number for damage compensation" })),
    ],
    "Retire",
    async (v, say) => {
      if (!v.token) throw new InputError("This wallet holds no vintage token to retire.");
      const amount = parseAmount(v.amount);
      const beneficiary = v.beneficiary.trim() ? parseRecipient(v.beneficiary, "The beneficiary address") : "0x0000000000000000000000000000000000000000";
      const token = await state.wallet.vintage(v.token);
      const receipt = await sendAndWait(say, "Retirement", () =>
        token.retire(amount, beneficiary, v.beneficiaryName.trim(), Number(v.reason), v.reasonText.trim()),
      );
      const retired = receipt.logs.map((log) => tryParse(token.interface, log)).find((e) => e?.name === "Retired");
      const id = retired.args.certificateId.toString();
      say([`Retired ${tonnes(amount)} t. `, h("a", { href: `#/certificates/${id}` }, `See certificate #${id}`)], "ok");
      location.hash = `#/certificates/${id}`;
    },
  );
}

function tryParse(iface, log) {
  try {
    return iface.parseLog(log);
  } catch {
    return null;
  }
}

function transferForm(tokens) {
  return form(
    "transfer",
    "Transfer",
    null,
    [
      field("Token", select("token", tokenOptions(tokens))),
      field("Recipient", h("input", { name: "to", placeholder: "0x…" })),
      field("Tonnes", amountInput()),
    ],
    "Transfer",
    async (v, say) => {
      if (!v.token) throw new InputError("This wallet holds no token to transfer.");
      const to = parseRecipient(v.to, "The recipient");
      const amount = parseAmount(v.amount);
      const token = await state.wallet.vintage(v.token); // any ERC-20: the pool tokens share transfer()
      await sendAndWait(say, "Transfer", () => token.transfer(to, amount));
      say(`Sent ${tonnes(amount)} t to ${shortAddress(to)}.`, "ok");
      await refreshSoon("transfer");
    },
  );
}

function depositForm(vintages, pools) {
  return form(
    "deposit",
    "Deposit into a pool",
    "Swap a vintage token for the pool's token, 1:1. The pool checks its criteria first.",
    [
      field("Vintage", select("token", tokenOptions(vintages))),
      field("Pool", select("pool", pools.map((p) => [p.address, `${p.symbol} — ${p.name}`]))),
      field("Tonnes", amountInput()),
    ],
    "Deposit",
    async (v, say) => {
      if (!v.token) throw new InputError("This wallet holds no vintage token to deposit.");
      const amount = parseAmount(v.amount);
      const pool = await state.wallet.pool(v.pool);
      await pool.checkEligibility(v.token); // a refusal, in plain words, before anything is signed
      const token = await state.wallet.vintage(v.token);
      if ((await token.allowance(state.wallet.address, v.pool)) < amount) {
        await sendAndWait(say, "Step 1 of 2, approval", () => token.approve(v.pool, amount));
      }
      await sendAndWait(say, "Deposit", () => pool.deposit(v.token, amount));
      say(`Deposited ${tonnes(amount)} t.`, "ok");
      await refreshSoon("deposit");
    },
  );
}

function poolRedeemForm(poolTokens, pools) {
  const held = new Set(poolTokens.map((t) => t.token_address));
  // The fee each pool showed when the page loaded: the redemption names it, and the pool refuses to charge more.
  const feeOf = new Map(pools.map((p) => [p.address, p.fee_bps]));
  const choices = [["", "oldest vintages first"]];
  for (const pool of pools.filter((p) => held.has(p.address))) {
    for (const x of pool.holdings) choices.push([`${pool.address}:${x.token_address}`, `${x.symbol} from ${pool.symbol} (${tonnes(x.amount_wei)} t held)`]);
  }
  const poolChoices = tokenOptions(poolTokens).map(([address, text]) =>
    feeOf.has(address) ? [address, `${text}, fee ${feeOf.get(address) / 100}%`] : [address, text],
  );
  return form(
    "pool-redeem",
    "Redeem from a pool",
    "Give back pool tokens and receive vintage tokens the pool holds, less its fee (never more than the fee shown here).",
    [
      field("Pool token", select("pool", poolChoices)),
      field("Vintage", select("vintage", choices)),
      field("Tonnes", amountInput()),
    ],
    "Redeem",
    async (v, say) => {
      if (!v.pool) throw new InputError("This wallet holds no pool token.");
      const amount = parseAmount(v.amount);
      const pool = await state.wallet.pool(v.pool);
      const [poolOfChoice, vintage] = v.vintage ? v.vintage.split(":") : [v.pool, null];
      if (poolOfChoice !== v.pool) throw new InputError("That vintage is held by another pool: pick one of this pool's vintages.");
      const maxFeeBps = feeOf.get(v.pool);
      if (maxFeeBps === undefined) throw new InputError("This pool's fee is unknown: reload the page to see it.");
      await sendAndWait(say, "Redemption", () =>
        vintage ? pool.redeem(vintage, amount, maxFeeBps) : pool.redeemOldest(amount, maxFeeBps),
      );
      say(`Redeemed ${tonnes(amount)} pool tokens.`, "ok");
      await refreshSoon("pool-redeem");
    },
  );
}

function redemptionForm(vintages) {
  return form(
    "redemption",
    "Send back to a registry",
    "Burn whole tonnes; the bridge releases the matching serials to your account at the registry.",
    [
      field("Vintage", select("token", tokenOptions(vintages))),
      field("Whole tonnes", h("input", { name: "amount", inputmode: "numeric", placeholder: "e.g. 5" })),
      field("Registry account", h("input", { name: "account", maxlength: 200, placeholder: "your account id at the registry" })),
    ],
    "Request redemption",
    async (v, say) => {
      if (!v.token) throw new InputError("This wallet holds no vintage token.");
      const amount = parseAmount(v.amount, true);
      if (!v.account.trim()) throw new InputError("Name the registry account the credits should go to.");
      const token = await state.wallet.vintage(v.token);
      await sendAndWait(say, "Redemption request", () => token.redeem(amount, v.account.trim()));
      say(`Requested ${tonnes(amount)} t back to registry account ${v.account.trim()}.`, "ok");
      await refreshSoon("redemption");
    },
  );
}

/** Balances are read from the chain by the API: redraw once the transaction is in, keeping what the
 * acting form said (its new copy's status gets the same words). */
async function refreshSoon(formId) {
  const said = document.querySelector(`#${formId} output.status`)?.cloneNode(true);
  await render();
  const status = document.querySelector(`#${formId} output.status`);
  if (said && status) {
    status.className = said.className;
    status.replaceChildren(...said.childNodes);
  }
}

// --- start ------------------------------------------------------------------------------------

async function start() {
  try {
    state.network = await get("/network");
    document.getElementById("network").textContent = `${state.network.chain_name} · chain ${state.network.chain_id}`;
  } catch (err) {
    main().replaceChildren(h("p", { class: "error", role: "alert" }, `The bridge service cannot reach its chain: ${explain(err)}`));
    return;
  }
  showAccount();
  // A wallet that already trusts this page connects without a prompt.
  const ethereum = Wallet.injected();
  if (ethereum) {
    const accounts = await ethereum.request({ method: "eth_accounts" }).catch(() => []);
    if (accounts?.length) await connect().catch(() => {});
  }
  window.addEventListener("hashchange", render);
  await render();
  document.body.dataset.ready = "true";
}

start();
