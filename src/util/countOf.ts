/** @internal `0 attempts`, `1 attempt`, `2 attempts`: a count with its noun, singular for one. */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
