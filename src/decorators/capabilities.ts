import { ConfigurationError } from '../errors/ConfigurationError.js';
import { assertLegacyDecorator } from './assertLegacyDecorator.js';
import { setCapabilities } from './metadata.js';

/** Options of {@link capabilities}. */
export interface CapabilityOptions {
  /** The protocol version the agent speaks (default `'1.0'`); handshakes need the same major version. */
  readonly protocolVersion?: string;
}

/**
 * Class decorator: declares what an agent can do, for handshakes (`runtime.handshake`) and
 * `agentMetadata`. The message classes it handles are listed there too.
 *
 * @example
 * ```ts
 * @capabilities(['text_analysis', 'web_search', 'summarization'])
 * class Researcher extends RoutedAgent { … }
 * ```
 */
export function capabilities(names: readonly string[], options: CapabilityOptions = {}): ClassDecorator {
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || n.length === 0)) {
    throw new ConfigurationError('@capabilities(names) needs an array of non-empty strings, e.g. @capabilities(["summarization"]).');
  }
  const version = options.protocolVersion ?? '1.0';
  if (!/^\d+(\.\d+)*$/.test(version)) {
    throw new ConfigurationError(`@capabilities({ protocolVersion }) must look like "1.0", got ${JSON.stringify(version)}.`);
  }
  return (target, ...rest: unknown[]) => {
    assertLegacyDecorator('capabilities', rest[0]);
    setCapabilities(target, { capabilities: [...names], protocolVersion: version });
  };
}
