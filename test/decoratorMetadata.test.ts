import { describe, expect, it } from 'vitest';
import { ContentMessage, LoopbackAgent } from './fixtures.js';

// Guards the toolchain: if the test transform stops emitting decorator metadata (e.g. a switch to
// esbuild), routing by inferred message type would silently break.
describe('decorator metadata', () => {
  it('is emitted for handler parameters by the test transform', () => {
    const types = Reflect.getMetadata('design:paramtypes', LoopbackAgent.prototype, 'onContent') as unknown[];
    expect(types).toBeDefined();
    expect(types[0]).toBe(ContentMessage);
  });
});
