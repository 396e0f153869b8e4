import { describe, expect, it } from 'vitest';
import { AgentId, SingleThreadedAgentRuntime } from '../src/index.js';
import { ContentMessage, LoopbackAgent } from './fixtures.js';

describe('smoke', () => {
  it('answers a request', async () => {
    const runtime = new SingleThreadedAgentRuntime();
    await LoopbackAgent.register(runtime, 'loop', () => new LoopbackAgent());
    runtime.start();
    const msg = new ContentMessage('hi');
    const reply = await runtime.sendMessage(msg, new AgentId('loop', 'default'));
    expect(reply).toBe(msg);
    await runtime.stopWhenIdle();
  });
});
