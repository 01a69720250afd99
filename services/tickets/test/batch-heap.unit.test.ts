import { describe, expect, it } from 'vitest';
import { batchHeapArgs, WHAT_IF_HEAP_FLAG } from '../src/batch-heap.js';

// `tickets what-if` re-executes itself once with a young generation sized for it (src/batch-heap.ts);
// the end-to-end tests run it so (audit.e2e.test.ts): these hold which command lines do, and to what.
describe('the young generation tickets what-if runs with', () => {
  const node = '/usr/bin/node';
  const bin = '/opt/tickets/bin/tickets.mjs';

  it('re-executes what-if with the flag, keeping the Node flags and the arguments in their order', () => {
    expect(batchHeapArgs([node, bin, 'what-if', '--rules', 'r.yaml', '--json'], ['--cpu-prof'])).toEqual([
      node,
      '--cpu-prof',
      WHAT_IF_HEAP_FLAG,
      bin,
      'what-if',
      '--rules',
      'r.yaml',
      '--json',
    ]);
  });

  it('runs every other verb as started', () => {
    for (const verb of ['serve', 'verify', 'replay', 'simulate', '--help'])
      expect(batchHeapArgs([node, bin, verb], [])).toBeNull();
    expect(batchHeapArgs([node, bin], [])).toBeNull();
  });

  it('runs as started once the young generation is sized: by the re-execution, on the command line or in NODE_OPTIONS', () => {
    // Re-executed, Node hands the flag over as its own, the command line as it was.
    const again = batchHeapArgs([node, bin, 'what-if'], [])!;
    expect(again).toEqual([node, WHAT_IF_HEAP_FLAG, bin, 'what-if']);
    expect(batchHeapArgs([node, bin, 'what-if'], [WHAT_IF_HEAP_FLAG])).toBeNull();
    expect(batchHeapArgs([node, bin, 'what-if'], ['--max-semi-space-size=32'])).toBeNull();
    expect(batchHeapArgs([node, bin, 'what-if'], [], '--enable-source-maps --max-semi-space-size=4')).toBeNull();
    expect(batchHeapArgs([node, bin, 'what-if'], [], '--enable-source-maps')).not.toBeNull();
  });
});
