import { describe, expect, it } from 'vitest';
import { SingleThreadedAgentRuntime } from '../../src/index.js';

describe('RuntimeEmitter', () => {
  it('knows whether an event has listeners through on, once, off and removeAllListeners', () => {
    const { events } = new SingleThreadedAgentRuntime();
    const listener = (): void => {};
    expect(events.listening.ack).toBeFalsy();
    events.on('ack', listener);
    expect(events.listening.ack).toBe(true);
    events.off('ack', listener);
    expect(events.listening.ack).toBe(false);
    events.once('send', listener);
    expect(events.listening.send).toBe(true);
    events.emit('send', {} as never);
    expect(events.listening.send).toBe(false); // a once listener is gone after it fired
    events.on('status', listener).on('publish', listener);
    events.removeAllListeners();
    expect([events.listening.status, events.listening.publish]).toEqual([false, false]);
  });
});
