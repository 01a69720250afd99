export { chainHashes, eventHash } from './event-hash.js';
export type { ChainedContent, ChainedEvent } from './event-hash.js';
export { ChainCheck, checkStoreChain, HeadHash, headProof, mergeChainReports, parseHeadProof } from './chain-check.js';
export type { ChainProblem, ChainReport, HeadProof, ProofResult, StoreHead } from './chain-check.js';
