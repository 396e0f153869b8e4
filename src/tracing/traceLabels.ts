import { isAgentwireError } from '../errors/AgentwireError.js';
import { describeValue } from '../util/describeValue.js';
import { typeName } from '../util/typeName.js';

/** Longest quoted value in a label. */
const MAX_VALUE = 32;
/** Longest error description in a label. */
const MAX_ERROR = 120;

/**
 * @internal `text` in typographic quotes on one line, cut to `max` characters; a quote inside that
 * the cut opened is closed again, so a label never holds an unbalanced nested quote
 * (`“approved: "AI agents: multi-…"”`).
 */
export function quoteText(text: string, max = MAX_VALUE): string {
  return `“${clip(text, max)}”`;
}

/** @internal A response value in a label: strings quoted (short), numbers and booleans as they are, objects by class name. */
export function valueLabel(value: unknown): string {
  if (typeof value === 'string') return quoteText(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeName(value);
}

/**
 * @internal A failure in a label: the error's name and message (`Error: search API unavailable
 * (503)`), cut to 120 characters; `brief`: an agentwire error by its code alone (`TIMEOUT`), for
 * notes that follow the entry telling the whole error.
 */
export function errorLabel(error: unknown, brief = false): string {
  if (brief && isAgentwireError(error)) return error.code;
  return typeof error === 'string' ? quoteText(error, MAX_ERROR) : clip(describeValue(error), MAX_ERROR);
}

/** `text` on one line, cut to `max` characters with `…`; a quote the cut left open is closed after the `…`. */
function clip(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length <= max) return line;
  const kept = line.slice(0, max - 1);
  let closing = '';
  for (const quote of ['"', "'"]) if (count(kept, quote) % 2 === 1 && count(line, quote) % 2 === 0) closing += quote;
  return `${kept}…${closing}`;
}

function count(text: string, char: string): number {
  let n = 0;
  for (const c of text) if (c === char) n++;
  return n;
}
