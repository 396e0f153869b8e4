import { AgentwireError } from './AgentwireError.js';

/** Invalid use of the API: bad options, wrong decorator use, duplicate registration or subscription, invalid ids, unknown lookups. */
export class ConfigurationError extends AgentwireError {
  /** Always `'CONFIGURATION'`. */
  readonly code = 'CONFIGURATION' as const;
}
