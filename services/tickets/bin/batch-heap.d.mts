/** The V8 flag what-if runs with (batch-heap.mjs). */
export declare const WHAT_IF_HEAP_FLAG: string;
/** The arguments to re-execute Node with for this command line, or null to run as started (batch-heap.mjs). */
export declare function batchHeapArgs(
  argv: readonly string[],
  execArgv: readonly string[],
  nodeOptions?: string,
): string[] | null;
