// Customer-provided text (bodies, names, subjects, tags) reaches the terminal: control characters in
// it could move the cursor, recolour or rewrite what the engineer reads. They are shown escaped.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** The text with every control character shown as `\u00XX`, safe to print. */
export const printable = (text: string): string =>
  text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** A value for a terminal line: strings as they are (escaped), everything else as JSON. */
export const show = (value: unknown): string =>
  printable(typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined'));

/** At most `max` characters, with an ellipsis when cut. */
export const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
