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

/** An agent address as a `type/key` string or any object with `type` and `key` (e.g. an `AgentId`). */
export type AgentAddressLike = string | { readonly type: string; readonly key: string };

/** A topic address as a `type/source` string or any object with `type` and `source` (e.g. a `TopicId`). */
export type TopicAddressLike = string | { readonly type: string; readonly source: string };

/** Writes an agent address as `type/key` (strings pass through; validation happens in the schema). */
export function formatAgentAddress(address: AgentAddressLike): string {
  return typeof address === 'string' ? address : `${address.type}/${address.key}`;
}

/** Writes a topic address as `type/source` (strings pass through; validation happens in the schema). */
export function formatTopicAddress(address: TopicAddressLike): string {
  return typeof address === 'string' ? address : `${address.type}/${address.source}`;
}

/** Splits a `type/key` or `type/source` address at its first `/`; `undefined` when there is none. */
export function splitAddress(address: string): { readonly type: string; readonly rest: string } | undefined {
  const slash = address.indexOf('/');
  return slash <= 0 ? undefined : { type: address.slice(0, slash), rest: address.slice(slash + 1) };
}
