#!/usr/bin/env bash
# Installs everything the project needs, idempotently: the Python virtualenv, the npm toolchain
# (Anvil, solcjs, OpenZeppelin, ethers, esbuild), the web page's bundle and the offline `solc` that py-solc-x / ape-solidity look for.
# Called by `make` targets; safe to run again at any time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

SOLC_VERSION=$(sed -n 's/^  version: *\([0-9.]*\)$/\1/p' ape-config.yaml | head -n 1)
venv=.venv
stamp=.cache/bootstrap.stamp
mkdir -p .cache

need_python=1
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ]; then
  need_python=0
fi
if [ "$need_python" = 1 ]; then
  echo "bootstrap: installing Python packages into $venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet -e ".[dev]"
fi

if [ ! -d node_modules/@openzeppelin/contracts ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The web page's bundle (ethers and our modules, no CDN at run time): esbuild takes well under a second.
npm run --silent build:web -- --log-level=warning

# The real Anvil binary: the node_modules/.bin wrapper loses exit codes and orphans anvil when killed.
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "bootstrap: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
anvil_dir="$root/node_modules/@foundry-rs/anvil-linux-$arch/bin"
[ -x "$anvil_dir/anvil" ] || { echo "bootstrap: anvil binary missing in $anvil_dir" >&2; exit 1; }
mkdir -p .cache/bin
ln -sf "$anvil_dir/anvil" .cache/bin/anvil

# py-solc-x finds compilers as solc-v<version> in $SOLCX_BINARY_PATH; ours runs solcjs.
mkdir -p .cache/solcx
cat > ".cache/solcx/solc-v$SOLC_VERSION" <<SH
#!/bin/sh
exec node "$root/tools/solcjs-cli.js" "\$@"
SH
chmod +x ".cache/solcx/solc-v$SOLC_VERSION"
installed=$(".cache/solcx/solc-v$SOLC_VERSION" --version | sed -n 's/^Version: \([0-9.]*\)+.*/\1/p')
if [ "$installed" != "$SOLC_VERSION" ]; then
  echo "bootstrap: npm solc is $installed but ape-config.yaml pins $SOLC_VERSION" >&2
  exit 1
fi

touch "$stamp"
