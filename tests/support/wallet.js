// A test wallet injected as window.ethereum before the page loads, the way MetaMask injects its
// provider. It holds one Anvil account; the test signs its transactions in Python (eth-account), reads
// go straight to Anvil. `window.__testWallet` lets a test refuse the next request or see watched assets.
(() => {
  const config = __WALLET_CONFIG__;
  const wallet = { rejectNext: false, connected: false, watched: [], requests: [] };
  window.__testWallet = wallet;
  const listeners = {};
  let nextId = 0;

  async function rpc(method, params) {
    const response = await fetch(config.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++nextId, method, params: params ?? [] }),
    });
    const body = await response.json();
    if (body.error) {
      const err = new Error(body.error.message);
      err.code = body.error.code;
      err.data = body.error.data;
      throw err;
    }
    return body.result;
  }

  function refuse() {
    const err = new Error("User rejected the request.");
    err.code = 4001;
    throw err;
  }

  window.ethereum = {
    isTestWallet: true,
    async request({ method, params }) {
      wallet.requests.push(method);
      const prompts = ["eth_requestAccounts", "eth_sendTransaction", "wallet_watchAsset"];
      if (wallet.rejectNext && prompts.includes(method)) {
        wallet.rejectNext = false;
        refuse();
      }
      switch (method) {
        case "eth_requestAccounts":
          wallet.connected = true;
          return [config.address];
        case "eth_accounts":
          return wallet.connected ? [config.address] : [];
        case "eth_chainId":
          return config.chainId;
        case "wallet_switchEthereumChain":
        case "wallet_addEthereumChain":
          return null;
        case "wallet_watchAsset":
          wallet.watched.push(params);
          return true;
        case "eth_sendTransaction":
          return await window.__testWalletSign(params[0]);
        default:
          return rpc(method, params);
      }
    },
    on(event, handler) {
      (listeners[event] ??= []).push(handler);
    },
    removeListener(event, handler) {
      listeners[event] = (listeners[event] ?? []).filter((h) => h !== handler);
    },
  };
})();
