// Wallet refusals and contract reverts, in plain words. A revert carries a custom error of our
// contracts (or of OpenZeppelin's they use); its name and arguments say what to tell the holder.
import { Interface } from "ethers";
import VintageToken from "../../bridge/chain/abi/VintageToken.json";
import VintageFactory from "../../bridge/chain/abi/VintageFactory.json";
import CommodityPool from "../../bridge/chain/abi/CommodityPool.json";
import RetirementCertificate from "../../bridge/chain/abi/RetirementCertificate.json";
import { tonnes } from "./format.js";

const errorsOnly = (abi) => abi.filter((entry) => entry.type === "error");
const seen = new Set();
export const ALL_ERRORS = new Interface(
  [VintageToken, VintageFactory, CommodityPool, RetirementCertificate]
    .flatMap(errorsOnly)
    .filter((entry) => {
      const key = `${entry.name}(${entry.inputs.map((i) => i.type)})`;
      return seen.has(key) ? false : seen.add(key);
    }),
);

const PLAIN = {
  ERC20InsufficientBalance: (a) =>
    `Not enough tokens: this wallet holds ${tonnes(a.balance)} t and the action needs ${tonnes(a.needed)} t.`,
  ERC20InsufficientAllowance: (a) =>
    `The pool may move only ${tonnes(a.allowance)} t of your tokens and needs ${tonnes(a.needed)} t: approve again.`,
  ERC20InvalidReceiver: () => "That recipient cannot receive tokens (the zero address).",
  VintageZeroAmount: () => "Enter an amount above zero.",
  VintageRedemptionNotWholeTonnes: () =>
    "Registries take credits back in whole tonnes only: enter a whole number of tonnes.",
  VintageEmptyRegistryAccount: () => "Name the registry account the credits should go to.",
  VintageCaseReferenceRequired: () =>
    "Ecological damage compensation needs the court case reference in the reason field.",
  VintageTextTooLong: (a) => `That text is too long: ${a.length} bytes, at most ${a.maxLength}.`,
  CertificateBelowMinimum: (a) =>
    `Retire at least ${tonnes(a.minimum)} t at a time; ${tonnes(a.amount)} t is below the bridge's minimum.`,
  PoolInvalidAmount: () => "Enter an amount above zero.",
  PoolInsufficientReserve: (a) =>
    `The pool holds only ${tonnes(a.available)} t of that vintage; you asked for ${tonnes(a.requested)} t.`,
  PoolNotAVintage: () => "That token is not a vintage token of this bridge.",
  PoolVintageDenied: () => "This pool's managers do not accept that vintage.",
  PoolVintageTooOld: (a) =>
    `This pool accepts vintages from ${a.minVintageYear} on; that one is from ${a.vintageYear}.`,
  PoolRegistryNotAccepted: () => "This pool does not accept credits from that registry.",
  PoolCategoryNotAccepted: () => "This pool does not accept that kind of project.",
  PoolScopeNotAccepted: () => "This pool does not accept that sectoral scope.",
  PoolLabelsMissing: () => "That vintage lacks a label this pool requires (for example CORSIA eligibility).",
  PoolFeeAboveMaximum: (a) =>
    `The pool's fee rose to ${Number(a.feeBps) / 100}% since this page loaded (you saw ${Number(a.maxFeeBps) / 100}%): reload to see it.`,
  EnforcedPause: () => "This token or pool is paused while the bridge investigates; nothing was sent.",
  FactoryMintingPaused: () => "Minting is paused while the bridge investigates.",
};

/** Revert data somewhere in an error from ethers or from a wallet (their shapes differ). */
function revertData(err, depth = 0) {
  if (!err || typeof err !== "object" || depth > 5) return null;
  for (const value of [err.data, err.data?.data, err.data?.originalError?.data]) {
    if (typeof value === "string" && /^0x[0-9a-fA-F]{8}/.test(value)) return value;
  }
  for (const inner of [err.error, err.info?.error, err.cause]) {
    const found = revertData(inner, depth + 1);
    if (found) return found;
  }
  return null;
}

function rejected(err, depth = 0) {
  if (!err || typeof err !== "object" || depth > 5) return false;
  if (err.code === "ACTION_REJECTED" || err.code === 4001) return true;
  return rejected(err.error, depth + 1) || rejected(err.info?.error, depth + 1);
}

/** What went wrong, for a person: never a stack trace, never raw hex. */
export function explain(err) {
  if (rejected(err)) return "You rejected the request in your wallet; nothing was sent.";
  const data = revertData(err);
  if (data) {
    try {
      const parsed = ALL_ERRORS.parseError(data);
      if (parsed) {
        const plain = PLAIN[parsed.name];
        return plain ? plain(parsed.args) : `The contract refused: ${parsed.name}.`;
      }
    } catch {
      // not one of ours: fall through to the wallet's own words
    }
  }
  if (err?.code === "INSUFFICIENT_FUNDS") return "This wallet has no ETH to pay for gas.";
  if (err?.code === "NETWORK_ERROR" || err?.code === "TIMEOUT")
    return "The chain did not answer. Check that your wallet is on the bridge's network and try again.";
  if (err?.code === "CALL_EXCEPTION") return "The transaction would fail on-chain, so it was not sent.";
  return err?.shortMessage || err?.message || String(err);
}
