import { AgentwireError, type AgentwireErrorContext } from './AgentwireError.js';

/** One problem found while validating a message (the shape of a zod issue). */
export interface ValidationIssue {
  /** A machine-readable code, e.g. zod's `invalid_type`. */
  readonly code: string;
  /** Where in the message the problem is. */
  readonly path: readonly PropertyKey[];
  /** What is wrong, for people. */
  readonly message: string;
}

/** A message failed validation against its declared schema (or the wire envelope schema). */
export class MessageValidationError extends AgentwireError {
  /** Always `'MESSAGE_VALIDATION'`. */
  readonly code = 'MESSAGE_VALIDATION' as const;
  /** Every problem found. */
  readonly issues: readonly ValidationIssue[];

  constructor(what: string, issues: readonly ValidationIssue[], context: AgentwireErrorContext = {}) {
    super(`${what} is invalid:\n${formatIssues(issues)}`, context);
    this.issues = issues;
  }
}

/** Renders issues one per line as `✖ message → at path`. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .map((i) => `  ✖ ${i.message}${i.path.length ? ` → at ${i.path.map(String).join('.')}` : ''}`)
    .join('\n');
}
