import { AgentwireError } from './AgentwireError.js';

/** No handler of the recipient accepts the message (an RPC with no matching handler). */
export class CantHandleError extends AgentwireError {
  /** Always `'CANT_HANDLE'`. */
  readonly code = 'CANT_HANDLE' as const;
}
