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
// `what-if` with a young generation sized for it (src/batch-heap.ts), where Node can re-execute in place.
const { batchHeapArgs } = await import('../dist/batch-heap.js');
const again = batchHeapArgs(process.argv, process.execArgv, process.env.NODE_OPTIONS);
if (again !== null && typeof process.execve === 'function') {
  try {
    process.execve(process.execPath, again, process.env);
  } catch {
    // Not re-executed (the system refused it): the command runs as started, with V8's default heap.
  }
}
// V8's compiled code of the modules kept between runs (node's compile cache, in the system's temporary
// directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off): a short verb such as `replay` otherwise spends
// a tenth of its CPU compiling the ~160 modules it loads. Unavailable before Node 22.1: then skipped.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { main } = await import('../dist/main.js');
await main(process.argv);
