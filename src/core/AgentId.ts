import type { AgentAddress } from '../errors/AgentAddress.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { describeValue } from '../util/describeValue.js';

const AGENT_TYPE = /^[\w\-.]+$/;

/**
 * The address of one agent instance: its registered `type` and a `key` that tells instances of
 * that type apart. Written `type/key`.
 *
 * @example
 * ```ts
 * const id = new AgentId('researcher', 'default');
 * String(id); // 'researcher/default'
 * ```
 */
export class AgentId implements AgentAddress {
  /** The registered agent type (letters, digits, `_`, `-` and `.`). */
  readonly type: string;
  /** The instance key (any non-empty string; may contain `/`). */
  readonly key: string;

  /** @throws {@link ConfigurationError} when the type or key is invalid. */
  constructor(type: string | { readonly type: string }, key: string) {
    const typeName = typeof type === 'string' ? type : type?.type;
    if (typeof typeName !== 'string' || !AGENT_TYPE.test(typeName)) {
      throw new ConfigurationError(
        `Invalid agent type ${describeValue(typeof typeName === 'string' ? typeName : type)}: use letters, digits, "_", "-" or "." only (e.g. "researcher").`,
      );
    }
    if (typeof key !== 'string' || key.length === 0) {
      throw new ConfigurationError(`Invalid agent key ${describeValue(key)} for type "${typeName}": use a non-empty string such as "default".`);
    }
    this.type = typeName;
    this.key = key;
  }

  /** Parses `type/key` (split at the first `/`). @throws {@link ConfigurationError} on a malformed string. */
  static fromString(text: string): AgentId {
    const slash = typeof text === 'string' ? text.indexOf('/') : -1;
    if (slash <= 0) {
      throw new ConfigurationError(`Invalid agent id ${describeValue(text)}: expected "type/key", e.g. "researcher/default".`);
    }
    return new AgentId(text.slice(0, slash), text.slice(slash + 1));
  }

  /** True when `other` has the same type and key. */
  equals(other: AgentAddress | undefined | null): boolean {
    return !!other && other.type === this.type && other.key === this.key;
  }

  /** `type/key`. */
  toString(): string {
    return `${this.type}/${this.key}`;
  }

  /** Serialises as `type/key`. */
  toJSON(): string {
    return this.toString();
  }
}
