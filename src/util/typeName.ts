/**
 * @internal The name people know a value's type by, for labels and records: a message's class name
 * (`ResearchQuery`), a plain-object message's string `type` field (the name its schema routes on),
 * `null`, `undefined`, else its `typeof`. Never throws.
 */
export function typeName(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  try {
    const ctor = (value as { constructor?: { name?: unknown } }).constructor;
    if (ctor === Object) {
      const type: unknown = (value as { type?: unknown }).type;
      if (typeof type === 'string' && type !== '') return type;
    }
    const name: unknown = ctor?.name;
    return typeof name === 'string' && name !== '' ? name : typeof value;
  } catch {
    return typeof value;
  }
}
