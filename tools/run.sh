#!/usr/bin/env bash
# The main job: Anvil, the contracts deployed, the bridge serving on SQLite with its sender and
# listener. Runs until Ctrl-C. Expects the Makefile's environment (`make run`).
set -euo pipefail
cd "$(dirname "$0")/.."

ANVIL_PORT=${ANVIL_PORT:-8545}
API_PORT=${BRIDGE_API_PORT:-8000}
RPC_URL="http://127.0.0.1:$ANVIL_PORT"
API_URL="http://127.0.0.1:$API_PORT"
DEPLOYMENT=deployments/ethereum-local.json
export BRIDGE_RPC_URL="$RPC_URL" BRIDGE_API_PORT="$API_PORT"
export BRIDGE_DATABASE_URL=${BRIDGE_DATABASE_URL:-sqlite:///$(pwd)/.run/bridge.db}
mkdir -p .run

answers() {
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
    --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$1"
}
if answers "$RPC_URL"; then
  echo "run: something already answers on $RPC_URL; stop it or set ANVIL_PORT" >&2
  exit 1
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The chain's state is kept in .run/ so a restart finds the contracts and tokens from before.
anvil --host 127.0.0.1 --port "$ANVIL_PORT" --hardfork cancun \
  --state .run/anvil-state.json --state-interval 5 >.run/anvil.log 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  answers "$RPC_URL" && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat .run/anvil.log >&2; exit 1; }
  sleep 0.1
done
echo "run: anvil on $RPC_URL (log: .run/anvil.log)"

# Anvil account #0 deploys and is minter, registrar and admin (through the timelock); account #1 is the
# guardian, whose key the bridge uses to pause minting when it raises an alert.
GUARDIAN_KEY=$(python -c 'from bridge.config import ANVIL_DEV_KEYS; print(ANVIL_DEV_KEYS[1])')
GUARDIAN=$(python -c 'import sys; from eth_account import Account; print(Account.from_key(sys.argv[1]).address)' "$GUARDIAN_KEY")
export BRIDGE_GUARDIAN_KEY="$GUARDIAN_KEY"

before=$(cat "$DEPLOYMENT" 2>/dev/null || true)
# APE_FOUNDRY_HOST: the Anvil above (without it Ape would start one of its own on 8545 for the deploy).
APE_FOUNDRY_HOST="$RPC_URL" ape run deploy --network "ethereum:local:foundry" --account TEST::0 \
  --guardian "$GUARDIAN" 2>&1 | grep -v '^INFO:'
if [ "$(cat "$DEPLOYMENT")" != "$before" ] && [ -f .run/bridge.db ]; then
  # New contracts on a new chain: the old ledger describes tokens that no longer exist.
  mv .run/bridge.db ".run/bridge.db.$(date +%s).old"
  rm -f .run/bridge.db-wal .run/bridge.db-shm
  echo "run: new deployment, previous database moved aside"
fi

# Deploying needs a block per transaction (automine); from here on, one block a second, so the
# listener's confirmation depth (2 blocks) passes without other traffic.
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
  --data '{"jsonrpc":"2.0","id":1,"method":"evm_setIntervalMining","params":[1]}' "$RPC_URL"

carbon-bridge migrate
key=$(carbon-bridge keys create --operator "Demo registry operator" --registries verra,gold_standard,acr,car | sed -n 's/^api key: *//p')
echo "$key" > .run/demo-api-key

carbon-bridge serve >.run/bridge.log 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  curl -sf "$API_URL/health" >/dev/null && break
  kill -0 "${pids[1]}" 2>/dev/null || { cat .run/bridge.log >&2; exit 1; }
  sleep 0.2
done

# Who holds which role, as the deployment record says (it may predate this script's options).
roles=$(python - "$DEPLOYMENT" <<'PY'
import json
import sys

from eth_account import Account

from bridge.config import ANVIL_DEV_KEYS

record = json.load(open(sys.argv[1]))
accounts = {Account.from_key(key).address: f"Anvil account #{i}" for i, key in enumerate(ANVIL_DEV_KEYS)}
roles = record["roles"]
for name in ("minter", "registrar", "guardian", "admin"):
    line = f"  {name:<14} {roles[name]} ({accounts.get(roles[name], 'not an Anvil dev account')})"
    if name == "admin":
        line += f", through the timelock {roles['timelock']} (delay {record['timelockDelay']} s)"
    print(line)
PY
)

cat <<MSG

run: the bridge is up (log: .run/bridge.log)
  web page       $API_URL/   (token holders: connect MetaMask, see README "The web page")
  API            $API_URL
  OpenAPI docs   $API_URL/docs
  chain (RPC)    $RPC_URL, chain id 31337
$roles
  demo API key   $key   (also in .run/demo-api-key)

Bridge 425 real Verra VCUs (Bale Mountains REDD+, 2020) to Anvil account #3:

  curl -s -X POST $API_URL/tokenizations -H "X-API-Key: \$(cat .run/demo-api-key)" \\
    -H 'Content-Type: application/json' -d '{
      "idempotency_key": "bale-2020-1", "registry": "verra",
      "serial": "19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1",
      "beneficiary": "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
      "project": {"name": "Bale Mountains Eco-region REDD+ project", "category": "forestry",
                  "sectoral_scope": 14, "methodology": "VM0015"}}'

  curl -s $API_URL/balances/0x90F79bf6EB2c4f870365E785982E1f101E93b906

Ctrl-C stops everything.
MSG
wait "${pids[1]}"
