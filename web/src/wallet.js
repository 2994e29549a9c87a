// The holder's wallet through EIP-1193 (MetaMask or any injected provider): connect, stay on the
// bridge's chain, sign transactions. Nothing is signed by the page itself.
import { BrowserProvider, Contract, toBeHex } from "ethers";
import VintageToken from "../../bridge/chain/abi/VintageToken.json";
import CommodityPool from "../../bridge/chain/abi/CommodityPool.json";
import RetirementCertificate from "../../bridge/chain/abi/RetirementCertificate.json";

export class NoWallet extends Error {
  constructor() {
    super("No wallet found in this browser. Install MetaMask (or another EIP-1193 wallet) and reload.");
  }
}

export class Wallet {
  constructor(ethereum, network) {
    this.ethereum = ethereum;
    this.network = network;
    this.address = null;
    this.provider = null;
  }

  static injected() {
    return window.ethereum ?? null;
  }

  /** Asks the wallet for an account and moves it to the bridge's chain (adding the chain if needed). */
  async connect() {
    const accounts = await this.ethereum.request({ method: "eth_requestAccounts" });
    if (!accounts?.length) throw new Error("The wallet shared no account.");
    await this.ensureChain();
    this.address = accounts[0];
    this.provider = new BrowserProvider(this.ethereum, "any");
    this.provider.pollingInterval = 500;
    return this.address;
  }

  async ensureChain() {
    const wanted = toBeHex(this.network.chain_id);
    const current = await this.ethereum.request({ method: "eth_chainId" });
    if (BigInt(current) === BigInt(wanted)) return;
    try {
      await this.ethereum.request({ method: "wallet_switchEthereumChain", params: [{ chainId: wanted }] });
    } catch (err) {
      if (err?.code !== 4902) throw err; // 4902: the wallet does not know the chain yet
      await this.ethereum.request({
        method: "wallet_addEthereumChain",
        params: [
          {
            chainId: wanted,
            chainName: this.network.chain_name,
            rpcUrls: [this.network.rpc_url],
            nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
          },
        ],
      });
    }
  }

  async signer() {
    await this.ensureChain();
    return this.provider.getSigner(this.address);
  }

  async vintage(address) {
    return new Contract(address, VintageToken, await this.signer());
  }

  async pool(address) {
    return new Contract(address, CommodityPool, await this.signer());
  }

  certificateInterface() {
    return new Contract(this.network.contracts.RetirementCertificate, RetirementCertificate).interface;
  }

  /** `wallet_watchAsset`: the wallet lists the token. Resolves to whether the holder accepted. */
  async watch(token) {
    return this.ethereum.request({
      method: "wallet_watchAsset",
      params: { type: "ERC20", options: { address: token.token_address, symbol: token.symbol.slice(0, 11), decimals: 18 } },
    });
  }

  on(event, handler) {
    this.ethereum.on?.(event, handler);
  }
}
