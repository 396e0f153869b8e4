import { AgentwireError } from './AgentwireError.js';

/** An intervention handler dropped the message (or its response). */
export class MessageDroppedError extends AgentwireError {
  /** Always `'MESSAGE_DROPPED'`. */
  readonly code = 'MESSAGE_DROPPED' as const;
}
