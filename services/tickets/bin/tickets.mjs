#!/usr/bin/env node
// The `tickets` command. Kept plain JavaScript so that it can say clearly, on any Node, what it needs.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(
    `tickets needs Node.js >= 22.13 (this is ${process.versions.node}). ` +
      'From a checkout, `npm run tickets -- <verb>` fetches Node 24 for you.\n',
  );
  process.exit(2);
}
const { main } = await import('../dist/main.js');
await main(process.argv);
