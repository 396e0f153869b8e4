import { describe, expect, it } from 'vitest';
import { ConfigurationError, partitionOf, requestQueue, resolveRequestQueueOptions, subjectToken } from './natsApi.js';

describe('NATS names: subject tokens, partitions, the request queue', () => {
  it('keeps a plain name as its token and hex-encodes any other behind "~" (dots are subject separators)', () => {
    expect(subjectToken('researcher')).toBe('researcher');
    expect(subjectToken('code_reviewer-2')).toBe('code_reviewer-2');
    expect(subjectToken('team.alpha')).toBe('~7465616d2e616c706861');
    expect(subjectToken('a*b>')).toBe('~612a623e');
    expect(subjectToken('x'.repeat(65))).toBe(`~${'78'.repeat(65)}`);
    expect(subjectToken('~7465')).toBe('~7e37343635'); // a name that looks encoded is encoded too: one-to-one
  });

  it('places an agent by FNV-1a 32 of "type/key" modulo the partition count, the same in every process', () => {
    // reference values from an independent FNV-1a implementation
    expect(partitionOf('researcher', 'k1', 2 ** 32)).toBe(4_179_537_548);
    expect(partitionOf('researcher', 'k1', 32)).toBe(12);
    expect(partitionOf('team.alpha', 'ключ', 32)).toBe(15);
    expect(partitionOf('a', '', 32)).toBe(25);
    const seen = new Set(Array.from({ length: 200 }, (_, i) => partitionOf('worker', `key-${i}`, 8)));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('refuses a partition count that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => partitionOf('t', 'k', bad)).toThrow(ConfigurationError);
  });

  it('names the stream AGENT_IN, partition subjects agent.in.<type>.<p>, consumers in_<type>_<p>; never the key', () => {
    expect(requestQueue.stream).toBe('AGENT_IN');
    expect(requestQueue.subjects).toBe('agent.in.>');
    expect(requestQueue.subject('researcher', 7)).toBe('agent.in.researcher.7');
    expect(requestQueue.subject('team.alpha', 0)).toBe('agent.in.~7465616d2e616c706861.0');
    expect(requestQueue.consumer('team.alpha', 31)).toBe('in_~7465616d2e616c706861_31');
  });

  it('fills in the production defaults of the request queue and refuses non-positive settings', () => {
    expect(resolveRequestQueueOptions()).toEqual({
      partitions: 32,
      replicas: 1,
      duplicateWindowMs: 600_000,
      maxAgeMs: 604_800_000,
      ackWaitMs: 30_000,
      maxDeliver: 5,
      maxAckPending: 256,
    });
    expect(resolveRequestQueueOptions({ ackWaitMs: 3_000, partitions: undefined }).ackWaitMs).toBe(3_000);
    expect(() => resolveRequestQueueOptions({ maxDeliver: 0 })).toThrow(/request queue option maxDeliver must be a positive integer, received 0/);
  });
});
