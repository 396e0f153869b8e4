import { ConfigurationError } from '../errors/ConfigurationError.js';
import { describeValue } from '../util/describeValue.js';

const TOPIC_TYPE = /^[\w\-.:=]+$/;

/**
 * A publish destination: a topic `type` (what kind of event) and a `source` (which conversation or
 * context it belongs to). Subscriptions map the source to the key of the receiving agent.
 *
 * @example
 * ```ts
 * await runtime.publishMessage(new Alert('disk full'), new TopicId('alerts', 'cluster-1'));
 * ```
 */
export class TopicId {
  /** The topic type (letters, digits, `_`, `-`, `.`, `:` and `=`). */
  readonly type: string;
  /** The topic source; becomes the receiving agent's key under a type subscription. */
  readonly source: string;

  /** @throws {@link ConfigurationError} when the type or source is invalid. */
  constructor(type: string, source: string) {
    if (typeof type !== 'string' || !TOPIC_TYPE.test(type)) {
      throw new ConfigurationError(
        `Invalid topic type ${describeValue(type)}: use letters, digits, "_", "-", ".", ":" or "=" only.`,
      );
    }
    if (typeof source !== 'string' || source.length === 0) {
      throw new ConfigurationError(`Invalid topic source ${describeValue(source)}: use a non-empty string such as "default".`);
    }
    this.type = type;
    this.source = source;
  }

  /** Parses `type/source`. @throws {@link ConfigurationError} on a malformed string. */
  static fromString(text: string): TopicId {
    const slash = typeof text === 'string' ? text.indexOf('/') : -1;
    if (slash <= 0) throw new ConfigurationError(`Invalid topic id ${describeValue(text)}: expected "type/source".`);
    return new TopicId(text.slice(0, slash), text.slice(slash + 1));
  }

  /** True when `other` has the same type and source. */
  equals(other: TopicId | undefined | null): boolean {
    return !!other && other.type === this.type && other.source === this.source;
  }

  /** `type/source`. */
  toString(): string {
    return `${this.type}/${this.source}`;
  }

  /** Serialises as `type/source`. */
  toJSON(): string {
    return this.toString();
  }
}
