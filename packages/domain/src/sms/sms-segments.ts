/**
 * SMS segment counting by the GSM 03.38 alphabet, and an optional rewrite to GSM look-alikes.
 *
 * A message is GSM-7 only when every character is in the basic set or the extension table; any other
 * character (lower-case `ç`, `ê`, `’`, `«`, emoji…) switches the whole message to UCS-2.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegments {
  encoding: SmsEncoding;
  segments: number;
  /** Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2. */
  units: number;
}

/** GSM 03.38 basic character set, in table order; the escape code (0x1B) is not a character. */
const GSM_BASIC: ReadonlySet<string> = new Set(
  Array.from(
    '@£$¥èéùìòÇ\nØø\rÅå' +
      'Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ' +
      ' !"#¤%&\'()*+,-./' +
      '0123456789:;<=>?' +
      '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§' +
      '¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ),
);

/** Extension table: each costs an escape septet plus its own, so 2 septets. */
const GSM_EXTENSION: ReadonlySet<string> = new Set(Array.from('\f^{}\\[~]|€'));

const GSM_SINGLE_LIMIT = 160;
const GSM_PART_LIMIT = 153; // 7 septets of each part go to the concatenation header
const UCS2_SINGLE_LIMIT = 70;
const UCS2_PART_LIMIT = 67; // 3 code units of each part go to the concatenation header

/** Septets a character costs in GSM-7, or null when it is not encodable in GSM-7. */
function gsmSeptets(char: string): 1 | 2 | null {
  if (GSM_BASIC.has(char)) return 1;
  if (GSM_EXTENSION.has(char)) return 2;
  return null;
}

function isGsm(text: string): boolean {
  for (const char of text) if (gsmSeptets(char) === null) return false;
  return true;
}

/**
 * Parts needed when each part holds `capacity` units. Characters are never split across parts (an
 * escape pair or a surrogate pair stays together, as senders do), so near a boundary this can exceed
 * ceil(units / capacity) by one.
 */
function countParts(weights: readonly number[], capacity: number): number {
  let parts = 1;
  let used = 0;
  for (const weight of weights) {
    if (used + weight > capacity) {
      parts += 1;
      used = 0;
    }
    used += weight;
  }
  return parts;
}

/**
 * Encoding, segment count and size of an SMS body, counted strictly on the text as given (no
 * normalisation). An empty body is 0 segments with 0 units: there is nothing to send.
 */
export function countSmsSegments(body: string): SmsSegments {
  if (body === '') return { encoding: 'GSM-7', segments: 0, units: 0 };

  const septets: number[] = [];
  let gsm = true;
  for (const char of body) {
    const cost = gsmSeptets(char);
    if (cost === null) {
      gsm = false;
      break;
    }
    septets.push(cost);
  }

  if (gsm) {
    const units = septets.reduce((sum, cost) => sum + cost, 0);
    const segments = units <= GSM_SINGLE_LIMIT ? 1 : countParts(septets, GSM_PART_LIMIT);
    return { encoding: 'GSM-7', segments, units };
  }

  // `for…of` walks code points, so an astral character (emoji) weighs its 2 UTF-16 code units.
  const codeUnits = Array.from(body, (char) => char.length);
  const units = body.length;
  const segments = units <= UCS2_SINGLE_LIMIT ? 1 : countParts(codeUnits, UCS2_PART_LIMIT);
  return { encoding: 'UCS-2', segments, units };
}

/** Substitutions that Unicode decomposition cannot find (punctuation, ligatures, spaces). */
const LOOKALIKES: ReadonlyMap<string, string> = new Map([
  // Ç is in the basic set but ç is not: the classic substitution keeps the cedilla visible.
  ['ç', 'Ç'],
  ['œ', 'oe'],
  ['Œ', 'OE'],
  ['’', "'"],
  ['‘', "'"],
  ['‚', "'"],
  ['‛', "'"],
  ['′', "'"],
  ['`', "'"],
  ['´', "'"],
  ['‹', "'"],
  ['›', "'"],
  ['“', '"'],
  ['”', '"'],
  ['„', '"'],
  ['‟', '"'],
  ['″', '"'],
  ['«', '"'],
  ['»', '"'],
  ['…', '...'],
  ['‐', '-'],
  ['‑', '-'],
  ['‒', '-'],
  ['–', '-'],
  ['—', '-'],
  ['―', '-'],
  ['−', '-'],
  ['\t', ' '],
  ['\u00a0', ' '], // no-break space, common before French punctuation
  ['\u202f', ' '], // narrow no-break space, idem
  // U+2000 and U+2001 need no entry: NFC turns them into U+2002 and U+2003.
  ['\u2002', ' '],
  ['\u2003', ' '],
  ['\u2004', ' '],
  ['\u2005', ' '],
  ['\u2006', ' '],
  ['\u2007', ' '],
  ['\u2008', ' '],
  ['\u2009', ' '],
  ['\u200a', ' '],
  ['\u205f', ' '],
  ['\u3000', ' '],
  // Invisible characters would alone force UCS-2; the zero-width joiner is kept because emoji use it.
  ['\u200b', ''],
  ['\ufeff', ''],
]);

/**
 * The unaccented base of an accented letter (`ê` → `e`, `Á` → `A`) when that base is GSM. Only
 * called for a non-GSM character, so a character without accents (base = itself) is never GSM here.
 */
function withoutAccents(char: string): string | undefined {
  const base = char.normalize('NFD').replace(/\p{M}/gu, '');
  return base !== '' && isGsm(base) ? base : undefined;
}

/**
 * Replaces common non-GSM characters by GSM-7 look-alikes (`ç` → `Ç`, `ê` → `e`, `’` → `'`, `«` → `"`,
 * `…` → `...`, no-break spaces → space) so the message can use the cheaper alphabet. GSM characters,
 * including `é è à ù ì ò`, are kept; characters without a look-alike (emoji, CJK…) are kept as they
 * are, so the result may still be UCS-2.
 */
export function toGsmLookalikes(body: string): string {
  // NFC first so a decomposed `e` + combining acute becomes the GSM `é` instead of a UCS-2 mark.
  let out = '';
  for (const char of body.normalize('NFC')) {
    if (gsmSeptets(char) !== null) out += char;
    else out += LOOKALIKES.get(char) ?? withoutAccents(char) ?? char;
  }
  return out;
}
