#!/usr/bin/env bash
# The main job: a local Anvil chain with the contracts deployed. Runs until Ctrl-C.
# Expects the environment from the Makefile (`make run`): PATH with anvil and the venv, SOLCX_BINARY_PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

ANVIL_PORT=${ANVIL_PORT:-8545}
RPC_URL="http://127.0.0.1:$ANVIL_PORT"
mkdir -p .run

if curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
    --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$RPC_URL"; then
  echo "run: something already answers on $RPC_URL; stop it or set ANVIL_PORT" >&2
  exit 1
fi

# The chain's state is kept in .run/ so a restart finds the contracts deployed before.
anvil --host 127.0.0.1 --port "$ANVIL_PORT" --hardfork cancun \
  --state .run/anvil-state.json --state-interval 10 >.run/anvil.log 2>&1 &
anvil_pid=$!
trap 'kill "$anvil_pid" 2>/dev/null; wait "$anvil_pid" 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 100); do
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
    --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$RPC_URL" && break
  kill -0 "$anvil_pid" 2>/dev/null || { cat .run/anvil.log >&2; exit 1; }
  sleep 0.1
done
echo "run: anvil on $RPC_URL (log: .run/anvil.log)"

ape compile
ape run deploy --network "ethereum:local:foundry" --account TEST::0

echo "run: chain ready at $RPC_URL. Ctrl-C stops it."
wait "$anvil_pid"
