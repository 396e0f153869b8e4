import { MessageValidationError } from '../errors/MessageValidationError.js';
import { unreadableIssue } from './describeThrown.js';
import { describeValue } from '../util/describeValue.js';

/**
 * An agent address on the wire: `type/key`. The type uses letters, digits, `_`, `-` and `.`
 * (AutoGen's rule); the key is any non-empty string and may itself contain `/` (split at the first).
 */
export const AGENT_ADDRESS_PATTERN = /^[\w\-.]+\/[\s\S]+$/;

/**
 * A topic address on the wire: `type/source`. The type also allows `:` and `=`; the source is any
 * non-empty string.
 */
export const TOPIC_ADDRESS_PATTERN = /^[\w\-.:=]+\/[\s\S]+$/;

/**
 * A reply address on the wire (`metadata.reply_to`): the broker subject a recipient publishes its
 * acknowledgments and answer to — tokens separated by `.`, none empty, no whitespace and no
 * wildcard (`*`, `>`).
 */
export const REPLY_ADDRESS_PATTERN = /^[^\s.*>]+(?:\.[^\s.*>]+)*$/;

/** An agent address as a `type/key` string or any object with `type` and `key` (e.g. an `AgentId`). */
export type AgentAddressLike = string | { readonly type: string; readonly key: string };

/** A topic address as a `type/source` string or any object with `type` and `source` (e.g. a `TopicId`). */
export type TopicAddressLike = string | { readonly type: string; readonly source: string };

/**
 * Writes an agent address as `type/key` (strings pass through; validation happens in the schema).
 *
 * @throws {@link MessageValidationError} when `address` is neither a string nor an object with
 *   string `type` and `key` (or reading them throws).
 */
export function formatAgentAddress(address: AgentAddressLike): string {
  return typeof address === 'string' ? address : formatParts('Agent address', address, 'key');
}

/**
 * Writes a topic address as `type/source` (strings pass through; validation happens in the schema).
 *
 * @throws {@link MessageValidationError} when `address` is neither a string nor an object with
 *   string `type` and `source` (or reading them throws).
 */
export function formatTopicAddress(address: TopicAddressLike): string {
  return typeof address === 'string' ? address : formatParts('Topic address', address, 'source');
}

function formatParts(what: string, address: unknown, second: 'key' | 'source'): string {
  const shape = `"type/${second}" or { type, ${second} } with string parts`;
  if (typeof address !== 'object' || address === null) {
    const message = `expected ${shape}, received ${describeValue(address)}`;
    throw new MessageValidationError(what, [{ code: 'invalid_type', path: [], message }]);
  }
  let type: unknown;
  let rest: unknown;
  try {
    type = (address as { type?: unknown }).type;
    rest = (address as Record<string, unknown>)[second];
  } catch (cause) {
    throw new MessageValidationError(what, [unreadableIssue([], cause)], { cause });
  }
  for (const [key, part] of [['type', type], [second, rest]] as const) {
    if (typeof part !== 'string') {
      const message = `expected ${shape}; ${key} is ${describeValue(part)}`;
      throw new MessageValidationError(what, [{ code: 'invalid_type', path: [key], message }]);
    }
  }
  return `${type as string}/${rest as string}`;
}

/** Splits a `type/key` or `type/source` address at its first `/`; `undefined` when there is none. */
export function splitAddress(address: string): { readonly type: string; readonly rest: string } | undefined {
  const slash = address.indexOf('/');
  return slash <= 0 ? undefined : { type: address.slice(0, slash), rest: address.slice(slash + 1) };
}
