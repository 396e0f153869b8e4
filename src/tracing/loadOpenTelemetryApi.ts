import { ConfigurationError } from '../errors/ConfigurationError.js';

/** @internal The `@opentelemetry/api` module. */
export type OpenTelemetryApi = typeof import('@opentelemetry/api');

/**
 * @internal Loads `@opentelemetry/api` (an optional peer dependency) on first use, so agentwire
 * never imports it unless an OpenTelemetry feature is asked for.
 *
 * @param feature the function that needs it, named in the error.
 * @throws {@link ConfigurationError} when it is not installed.
 */
export async function loadOpenTelemetryApi(feature: string): Promise<OpenTelemetryApi> {
  try {
    return await import('@opentelemetry/api');
  } catch (error) {
    throw new ConfigurationError(`${feature} needs the optional peer dependency "@opentelemetry/api": npm install @opentelemetry/api`, { cause: error });
  }
}
