/**
 * Sets `key` in `map` as its most recent entry and, past `limit` entries, drops the least recent: a
 * Map keeps insertion order, so deleting before setting moves the key to the young end (an LRU on
 * writes). Returns `value`.
 */
export function rememberRecent<K, V>(map: Map<K, V>, key: K, value: V, limit: number): V {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  return value;
}
