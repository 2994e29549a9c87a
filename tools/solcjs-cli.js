#!/usr/bin/env node
// A `solc` command line for py-solc-x and ape-solidity, backed by solcjs from npm.
// There is no native solc in the registries this project can reach, so this answers the
// two calls ape-solidity makes: `--version` and `--standard-json` (input on stdin).
"use strict";

const fs = require("fs");
const path = require("path");
const solc = require("solc");

// Large outputs must go through writeSync: process.exit() after an async
// process.stdout.write() truncates them.
function out(text) {
  const buffer = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < buffer.length) {
    offset += fs.writeSync(1, buffer, offset, buffer.length - offset);
  }
}

function optionValues(args, name) {
  const values = [];
  args.forEach((arg, i) => {
    if (arg === name && i + 1 < args.length) values.push(args[i + 1]);
    else if (arg.startsWith(name + "=")) values.push(arg.slice(name.length + 1));
  });
  return values.flatMap((v) => v.split(",")).filter(Boolean);
}

function main(args) {
  if (args.includes("--version")) {
    const version = solc.version().replace(".Emscripten.clang", ".Linux.g++");
    out("solc, the solidity compiler commandline interface\nVersion: " + version + "\n");
    return 0;
  }
  if (!args.includes("--standard-json")) {
    process.stderr.write("solcjs-cli: only --version and --standard-json are supported\n");
    return 2;
  }
  const roots = [
    ...optionValues(args, "--base-path"),
    ...optionValues(args, "--include-path"),
    process.cwd(),
  ];
  const findImports = (importPath) => {
    for (const root of roots) {
      const candidate = path.resolve(root, importPath);
      if (fs.existsSync(candidate)) {
        return { contents: fs.readFileSync(candidate, "utf8") };
      }
    }
    return { error: "File not found: " + importPath };
  };
  const input = fs.readFileSync(0, "utf8");
  out(solc.compile(input, { import: findImports }));
  return 0;
}

process.exitCode = main(process.argv.slice(2));
