/** @internal Marks message classes whose instances are validated on send (see `defineMessage`). */
export const MESSAGE_SCHEMA = Symbol.for('agentwire:messageSchema');
