/**
 * The shard of a customer among `shards` (FNV-1a of the id): what-if and verify split their work by
 * customer, since a customer's decisions only ever read that customer's tickets.
 */
export function customerShard(customerId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) hash = Math.imul(hash ^ customerId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}
