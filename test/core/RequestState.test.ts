import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentId,
  ConfigurationError,
  type RequestPhase,
  RequestRecord,
  type RequestState,
  canTransition,
  isOutcome,
  phaseOf,
} from '../../src/index.js';

const STATES: readonly RequestState[] = ['sent', 'accepted', 'received', 'processing', 'completed', 'partial', 'failed', 'timed-out', 'cancelled', 'rejected'];

/**
 * The request machine, written out independently of the source: REQUEST_SENT → acknowledged
 * (received, processing; processing again on a handler retry) → one outcome. Failures can happen
 * before the handler runs (dropped, timed out or cancelled in the queue), and so can an answer (a
 * handler-side @fallback for an attempt its breaker or bulkhead refused); a rejection comes from
 * the handler (or from before delivery); a failed, timed-out or rejected request may be sent again
 * by its caller (retry, reassignment), answered by the caller's fallback function (completed), or
 * given up by its caller while it waits to resend (cancelled). Completed, partial and cancelled are
 * final. A distributed runtime adds `accepted` (a broker stored the request) between sent and the
 * recipient's acknowledgments, which travel apart from it and may be lost (so processing or an
 * outcome may follow accepted directly).
 */
const LEGAL: Readonly<Record<RequestState, readonly RequestState[]>> = {
  sent: ['accepted', 'received', 'failed', 'timed-out', 'cancelled', 'rejected'],
  accepted: ['received', 'processing', 'completed', 'partial', 'failed', 'timed-out', 'cancelled', 'rejected'],
  received: ['processing', 'completed', 'partial', 'failed', 'timed-out', 'cancelled'],
  processing: ['processing', 'completed', 'partial', 'failed', 'timed-out', 'cancelled', 'rejected'],
  completed: [],
  partial: [],
  failed: ['sent', 'completed', 'cancelled'],
  'timed-out': ['sent', 'completed', 'cancelled'],
  cancelled: [],
  rejected: ['sent', 'completed', 'cancelled'],
};

const PAIRS = STATES.flatMap((from) => STATES.map((to) => ({ from, to, legal: LEGAL[from].includes(to) })));

/** A record driven into `state` along legal transitions. */
function recordIn(state: RequestState): RequestRecord {
  const record = new RequestRecord('m1', undefined, new AgentId('worker', 'default'), 'Task', 0);
  const path: Record<RequestState, readonly RequestState[]> = {
    sent: [],
    accepted: ['accepted'],
    received: ['received'],
    processing: ['received', 'processing'],
    completed: ['received', 'processing', 'completed'],
    partial: ['received', 'processing', 'partial'],
    failed: ['received', 'processing', 'failed'],
    'timed-out': ['received', 'processing', 'timed-out'],
    cancelled: ['received', 'processing', 'cancelled'],
    rejected: ['received', 'processing', 'rejected'],
  };
  path[state].forEach((s, i) => record.transition(s, i + 1));
  return record;
}

describe('RequestState', () => {
  it('enumerates 100 pairs, of which 36 are legal', () => {
    expect(PAIRS).toHaveLength(100);
    expect(PAIRS.filter((p) => p.legal)).toHaveLength(36);
  });

  it.each(PAIRS.filter((p) => p.legal))('allows $from → $to', ({ from, to }) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each(PAIRS.filter((p) => !p.legal))('refuses $from → $to', ({ from, to }) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('never skips the received acknowledgment on the way to a response', () => {
    expect(canTransition('sent', 'completed')).toBe(false);
    expect(canTransition('sent', 'partial')).toBe(false);
  });

  it('lets a received request be answered without processing: a handler-side @fallback for an attempt its breaker or bulkhead refused', () => {
    expect(canTransition('received', 'completed')).toBe(true);
    expect(canTransition('received', 'partial')).toBe(true);
  });

  it('lets only failed, timed-out and rejected requests be sent again', () => {
    expect(STATES.filter((s) => canTransition(s, 'sent'))).toEqual(['failed', 'timed-out', 'rejected']);
  });

  it('treats every state after processing as an outcome', () => {
    expect(STATES.filter(isOutcome)).toEqual(['completed', 'partial', 'failed', 'timed-out', 'cancelled', 'rejected']);
  });

  it.each<[RequestState, RequestPhase]>([
    ['sent', 'REQUEST_SENT'],
    ['received', 'WAITING'],
    ['processing', 'WAITING'],
    ['completed', 'RESPONSE_RECEIVED'],
    ['partial', 'RESPONSE_RECEIVED'],
    ['failed', 'RESPONSE_RECEIVED'],
    ['timed-out', 'RESPONSE_RECEIVED'],
    ['cancelled', 'RESPONSE_RECEIVED'],
    ['rejected', 'RESPONSE_RECEIVED'],
  ])('maps %s to the seed phase %s', (state, phase) => {
    expect(phaseOf(state)).toBe(phase);
  });
});

describe('RequestRecord', () => {
  it('starts in sent with one history entry naming the recipient', () => {
    const record = new RequestRecord('req-0042', new AgentId('implementer', 'default'), new AgentId('reviewer', 'default'), 'ReviewCode', 7);
    expect(record.state).toBe('sent');
    expect(record.sentAt).toBe(7);
    expect(record.sends).toBe(1);
    expect(record.attempts).toBe(0);
    expect(record.history).toEqual([{ from: undefined, to: 'sent', at: 7, detail: 'to reviewer/default' }]);
  });

  it('records each legal transition with its time and detail', () => {
    const record = new RequestRecord('m1', undefined, new AgentId('worker', 'default'), 'Task', 0);
    record.transition('received', 5);
    record.transition('processing', 6, 'attempt 1');
    record.transition('completed', 20);
    expect(record.state).toBe('completed');
    expect(record.history.map((t) => [t.from, t.to, t.at, t.detail])).toEqual([
      [undefined, 'sent', 0, 'to worker/default'],
      ['sent', 'received', 5, undefined],
      ['received', 'processing', 6, 'attempt 1'],
      ['processing', 'completed', 20, undefined],
    ]);
  });

  it.each(PAIRS.filter((p) => !p.legal))('throws ConfigurationError on $from → $to and leaves the history unchanged', ({ from, to }) => {
    const record = recordIn(from);
    const before = record.history.map((t) => ({ ...t }));
    expect(() => record.transition(to, 99)).toThrow(ConfigurationError);
    expect(() => record.transition(to, 99)).toThrow(`cannot go from "${from}" to "${to}"`);
    expect(record.state).toBe(from);
    expect(record.history).toEqual(before);
  });

  it.each(PAIRS.filter((p) => p.legal))('accepts $from → $to', ({ from, to }) => {
    const record = recordIn(from);
    const length = record.history.length;
    record.transition(to, 99);
    expect(record.state).toBe(to);
    expect(record.history).toHaveLength(length + 1);
    expect(record.history.at(-1)).toEqual({ from, to, at: 99, detail: undefined });
  });

  it('serializes to a plain snapshot', () => {
    const record = new RequestRecord('m1', new AgentId('a', 'k'), new AgentId('b', 'default'), 'Task', 0);
    record.transition('received', 1);
    record.transition('processing', 1);
    record.transition('failed', 2);
    record.error = new Error('boom');
    const json = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
    expect(json).toMatchObject({
      messageId: 'm1',
      sender: 'a/k',
      recipient: 'b/default',
      messageType: 'Task',
      state: 'failed',
      error: { name: 'Error', message: 'boom' },
    });
    expect(json.history).toHaveLength(4);
  });

  it('never records an illegal transition, whatever is tried (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...STATES), { maxLength: 60 }), (attempts) => {
        const record = new RequestRecord('m1', undefined, new AgentId('worker', 'default'), 'Task', 0);
        let accepted = 0;
        attempts.forEach((to, i) => {
          const from = record.state;
          try {
            record.transition(to, i + 1);
            accepted++;
            expect(LEGAL[from]).toContain(to);
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigurationError);
            expect(LEGAL[from]).not.toContain(to);
            expect(record.state).toBe(from);
          }
        });
        const history = record.history;
        expect(history).toHaveLength(accepted + 1);
        for (let i = 1; i < history.length; i++) {
          expect(history[i]!.from).toBe(history[i - 1]!.to);
          expect(LEGAL[history[i]!.from!]).toContain(history[i]!.to);
          expect(history[i]!.at).toBeGreaterThanOrEqual(history[i - 1]!.at);
        }
        expect(record.state).toBe(history.at(-1)!.to);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
