/**
 * @internal The name people know a value's type by, for labels and records: a message's class name
 * (`ResearchQuery`), `null`, `undefined`, else its `typeof`. Never throws.
 */
export function typeName(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  try {
    const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? name : typeof value;
  } catch {
    return typeof value;
  }
}
