import { describe, expect, it } from 'vitest';
import { countSmsSegments, toGsmLookalikes } from './sms-segments.js';

// Written out independently of the implementation, row by row from the GSM 03.38 table (ESC omitted).
const BASIC_SET =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';
const EXTENSION_SET = '\f^{}\\[~]|€';

const SEED_AUTO_REPLY =
  'Merci pour votre suivi ! Nous avons bien reçu votre message et nous reviendrons vers vous sous peu';

describe('countSmsSegments — GSM-7', () => {
  it('counts an empty body as 0 segments of 0 units (nothing to send)', () => {
    expect(countSmsSegments('')).toEqual({ encoding: 'GSM-7', segments: 0, units: 0 });
  });

  it('accepts the whole basic set, one septet each', () => {
    expect(Array.from(BASIC_SET)).toHaveLength(127);
    expect(countSmsSegments(BASIC_SET)).toEqual({ encoding: 'GSM-7', segments: 1, units: 127 });
  });

  it.each(Array.from(BASIC_SET))('basic character %j is 1 septet', (char) => {
    expect(countSmsSegments(char)).toEqual({ encoding: 'GSM-7', segments: 1, units: 1 });
  });

  it.each(Array.from(EXTENSION_SET))('extension character %j is 2 septets', (char) => {
    expect(countSmsSegments(char)).toEqual({ encoding: 'GSM-7', segments: 1, units: 2 });
  });

  it.each([
    [1, 1],
    [160, 1],
    [161, 2],
    [306, 2],
    [307, 3],
    [459, 3],
    [460, 4],
  ])('%i basic characters → %i segment(s)', (length, segments) => {
    expect(countSmsSegments('a'.repeat(length))).toEqual({ encoding: 'GSM-7', segments, units: length });
  });

  it('counts extension characters double: 80 € fill one segment, 81 need two', () => {
    expect(countSmsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(countSmsSegments('€'.repeat(81))).toEqual({ encoding: 'GSM-7', segments: 2, units: 162 });
  });

  it('crosses the single-segment limit through an extension character', () => {
    expect(countSmsSegments(`${'a'.repeat(158)}{`)).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(countSmsSegments(`${'a'.repeat(159)}{`)).toEqual({ encoding: 'GSM-7', segments: 2, units: 161 });
  });

  it('never splits an escape pair across parts', () => {
    // 306 septets would be 2 × 153, but the € straddles the first boundary and moves to part 2.
    const body = `${'a'.repeat(152)}€${'a'.repeat(152)}`;
    expect(countSmsSegments(body)).toEqual({ encoding: 'GSM-7', segments: 3, units: 306 });
    expect(countSmsSegments(`${'a'.repeat(151)}€${'a'.repeat(153)}`)).toEqual({
      encoding: 'GSM-7',
      segments: 2,
      units: 306,
    });
  });

  it('counts line breaks as single septets', () => {
    expect(countSmsSegments('Bonjour\nMerci\r\n')).toEqual({ encoding: 'GSM-7', segments: 1, units: 15 });
  });
});

describe('countSmsSegments — UCS-2', () => {
  // Lower-case ç is the classic trap: only Ç is in the basic set.
  const NOT_GSM = Array.from('çêâîôûëïœÀÈÊáíóú’‘“”«»…–—`\u00a0\tф中');

  it.each(NOT_GSM)('non-GSM character %j switches the message to UCS-2', (char) => {
    expect(countSmsSegments(`Bonjour ${char}`)).toEqual({ encoding: 'UCS-2', segments: 1, units: 9 });
  });

  it.each([
    [1, 1],
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
    [201, 3],
    [202, 4],
  ])('%i UCS-2 characters → %i segment(s)', (length, segments) => {
    expect(countSmsSegments('ê'.repeat(length))).toEqual({ encoding: 'UCS-2', segments, units: length });
  });

  it('counts an emoji as 2 UTF-16 code units', () => {
    expect(countSmsSegments('😀')).toEqual({ encoding: 'UCS-2', segments: 1, units: 2 });
    expect(countSmsSegments('thanks 👍')).toEqual({ encoding: 'UCS-2', segments: 1, units: 9 });
    expect(countSmsSegments(`${'a'.repeat(68)}😀`)).toEqual({ encoding: 'UCS-2', segments: 1, units: 70 });
    expect(countSmsSegments(`${'a'.repeat(69)}😀`)).toEqual({ encoding: 'UCS-2', segments: 2, units: 71 });
  });

  it('never splits a surrogate pair across parts', () => {
    // 134 code units would be 2 × 67, but the emoji straddles the first boundary and moves to part 2.
    expect(countSmsSegments(`${'ê'.repeat(66)}😀${'ê'.repeat(66)}`)).toEqual({
      encoding: 'UCS-2',
      segments: 3,
      units: 134,
    });
    expect(countSmsSegments(`${'ê'.repeat(65)}😀${'ê'.repeat(67)}`)).toEqual({
      encoding: 'UCS-2',
      segments: 2,
      units: 134,
    });
  });

  it('does not normalise: a decomposed é (e + combining acute) is UCS-2', () => {
    expect(countSmsSegments('e\u0301')).toEqual({ encoding: 'UCS-2', segments: 1, units: 2 });
  });
});

describe('the seed auto-reply', () => {
  it('is 98 characters, UCS-2 because of ç, hence 2 segments', () => {
    expect(SEED_AUTO_REPLY).toHaveLength(98);
    expect(countSmsSegments(SEED_AUTO_REPLY)).toEqual({ encoding: 'UCS-2', segments: 2, units: 98 });
  });

  it('fits one GSM-7 segment after toGsmLookalikes', () => {
    const gsm = toGsmLookalikes(SEED_AUTO_REPLY);
    expect(gsm).toBe(
      'Merci pour votre suivi ! Nous avons bien reÇu votre message et nous reviendrons vers vous sous peu',
    );
    expect(countSmsSegments(gsm)).toEqual({ encoding: 'GSM-7', segments: 1, units: 98 });
  });
});

describe('toGsmLookalikes', () => {
  it.each([
    ['ç', 'Ç'],
    ['ê', 'e'],
    ['ë', 'e'],
    ['â', 'a'],
    ['î', 'i'],
    ['ï', 'i'],
    ['ô', 'o'],
    ['û', 'u'],
    ['í', 'i'],
    ['á', 'a'],
    ['ó', 'o'],
    ['ú', 'u'],
    ['Ê', 'E'],
    ['È', 'E'],
    ['À', 'A'],
    ['Ô', 'O'],
    ['œ', 'oe'],
    ['Œ', 'OE'],
    ['’', "'"],
    ['‘', "'"],
    ['“', '"'],
    ['”', '"'],
    ['«', '"'],
    ['»', '"'],
    ['…', '...'],
    ['–', '-'],
    ['—', '-'],
    ['\u00a0', ' '],
    ['\u202f', ' '],
    ['\t', ' '],
    ['\u200b', ''],
    ['‚', "'"],
    ['‛', "'"],
    ['′', "'"],
    ['`', "'"],
    ['´', "'"],
    ['‹', "'"],
    ['›', "'"],
    ['„', '"'],
    ['‟', '"'],
    ['″', '"'],
    ['‐', '-'],
    ['‑', '-'],
    ['‒', '-'],
    ['―', '-'],
    ['−', '-'],
    ...[
      '\u2000',
      '\u2001',
      '\u2002',
      '\u2003',
      '\u2004',
      '\u2005',
      '\u2006',
      '\u2007',
      '\u2008',
      '\u2009',
      '\u200a',
      '\u205f',
      '\u3000',
    ].map((space) => [space, ' ']),
    ['\ufeff', ''],
  ])('%j → %j', (from, to) => {
    expect(toGsmLookalikes(from)).toBe(to);
  });

  it('keeps characters that are already GSM, extension table included', () => {
    const gsm = `${BASIC_SET}${EXTENSION_SET}`;
    expect(toGsmLookalikes(gsm)).toBe(gsm);
  });

  it('turns typical French and Spanish text into GSM-7', () => {
    const fr = '« Très bien », l’équipe vous répond… Ça coûte 5 €, c’est noté\u00a0!';
    const out = toGsmLookalikes(fr);
    expect(out).toBe('" Très bien ", l\'équipe vous répond... Ça coute 5 €, c\'est noté !');
    expect(countSmsSegments(out).encoding).toBe('GSM-7');
    const es = '¿Cómo está? ¡Gracias por su atención! Le envío la información.';
    expect(toGsmLookalikes(es)).toBe('¿Como esta? ¡Gracias por su atencion! Le envio la informacion.');
    expect(countSmsSegments(toGsmLookalikes(es)).encoding).toBe('GSM-7');
  });

  it('composes decomposed accents into GSM characters first', () => {
    expect(toGsmLookalikes('caf\u0065\u0301')).toBe('café');
  });

  it('keeps an accented letter whose unaccented base is not GSM either (Greek ά: GSM has no α)', () => {
    expect(toGsmLookalikes('ά')).toBe('ά');
    expect(countSmsSegments(toGsmLookalikes('ά')).encoding).toBe('UCS-2');
  });

  it('keeps a combining mark with no letter before it rather than dropping it', () => {
    expect(toGsmLookalikes('\u0301')).toBe('\u0301');
  });

  it('keeps characters without a look-alike, so the message may stay UCS-2', () => {
    expect(toGsmLookalikes('merci 👍')).toBe('merci 👍');
    expect(toGsmLookalikes('👩‍💻 ❤️')).toBe('👩‍💻 ❤️');
    expect(toGsmLookalikes('reçu 中')).toBe('reÇu 中');
    expect(countSmsSegments(toGsmLookalikes('reçu 👍')).encoding).toBe('UCS-2');
  });

  it('is idempotent', () => {
    const once = toGsmLookalikes('« Ça a l’air bien… » — œuvre, ÎLE, über');
    expect(toGsmLookalikes(once)).toBe(once);
  });

  it('keeps an empty body empty', () => {
    expect(toGsmLookalikes('')).toBe('');
  });
});
