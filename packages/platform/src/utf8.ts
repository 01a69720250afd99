// Strict decoding: a byte sequence that is not UTF-8 is refused, never replaced by U+FFFD (two
// different ids would become the same one). The BOM is kept, so JSON parsing refuses it as before.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of `bytes`, or null when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}
