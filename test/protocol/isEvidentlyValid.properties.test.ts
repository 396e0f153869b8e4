import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isEvidentlyValid } from '../../src/protocol/isEvidentlyValid.js';
import { EnvelopeSchema, MessageCodec, UnknownPayload, decodeEnvelope, encodeEnvelope, type Envelope, type EnvelopeMetadata } from '../../src/protocol/index.js';
import { MessageValidationError } from '../../src/errors/MessageValidationError.js';
import { payload } from './fixtures.js';

const agentType = fc.stringMatching(/^[\w\-.]{1,12}$/);
const agent = fc.tuple(agentType, fc.string({ minLength: 1, maxLength: 12 })).map(([type, key]) => `${type}/${key}`);
const id = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 30 }));
const longAddress = fc.integer({ min: 1015, max: 1030 }).map((length) => `t/${'k'.repeat(length)}`);
const longId = fc.integer({ min: 250, max: 260 }).map((length) => 'i'.repeat(length));
/** Addresses the schema takes and ones it refuses (too long, no key, not a string, a topic's type). */
const address = fc.oneof(agent, agent, longAddress, fc.constantFrom('no-slash', 'a:b/c', '/k', ''), fc.integer());
const text = fc.oneof(id, id, longId, fc.constant(''), fc.integer());
/** Reply subjects as a runtime writes them (`_INBOX.<nuid>`), and ones the schema refuses (empty tokens, whitespace, wildcards, too long). */
const replySubject = fc.oneof(
  fc.array(fc.stringMatching(/^[\w-]{1,8}$/), { minLength: 1, maxLength: 4 }).map((tokens) => tokens.join('.')),
  fc.stringMatching(/^[A-Za-z0-9]{22}$/).map((nuid) => `_INBOX.${nuid}`),
);
const replyTo = fc.oneof(replySubject, replySubject, fc.constantFrom('', 'a b', '_INBOX.*', 'a.>', 'a..b', '.a', 'a.', 'x'.repeat(257)), fc.integer());
const count = fc.oneof(fc.nat(), fc.nat(), fc.constantFrom(-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, '1'));
const chain = fc.oneof(fc.array(id, { maxLength: 4 }), fc.array(text, { maxLength: 4 }), fc.constant(Array.from({ length: 65 }, (_, i) => `id-${i}`)), fc.constant('id'));
const metadata = fc.oneof(
  fc.record(
    {
      timestamp: count,
      timeout_ms: count,
      deadline: count,
      attempt: count,
      call_chain: chain,
      reply_to: replyTo,
      priority: fc.constantFrom('high', 'urgent'),
      trace: fc.constant({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }),
      extra: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  ),
  fc.constantFrom(null, 'meta', [], undefined),
);

/** Requests and completed responses as a runtime builds them. */
const built = fc.oneof(
  fc.record(
    { v: fc.constant(1), type: fc.constant('request'), from: agent, to: agent, request_id: id, action: id, payload, metadata: fc.record({ timestamp: fc.nat(), timeout_ms: fc.nat(), deadline: fc.nat(), attempt: fc.integer({ min: 1, max: 9 }), call_chain: fc.array(id, { maxLength: 64 }), reply_to: replySubject }, { requiredKeys: ['timestamp'], noNullPrototype: true }) },
    { requiredKeys: ['v', 'type', 'to', 'request_id', 'action', 'payload', 'metadata'] },
  ),
  fc.record(
    { v: fc.constant(1), type: fc.constant('response'), status: fc.constant('completed'), from: agent, to: agent, request_id: id, action: id, payload, metadata: fc.record({ timestamp: fc.nat(), attempt: fc.integer({ min: 1, max: 9 }) }, { requiredKeys: ['timestamp'], noNullPrototype: true }) },
    { requiredKeys: ['v', 'type', 'status', 'from', 'request_id', 'action', 'payload', 'metadata'] },
  ),
);

/** A field set to a value right or wrong (`undefined`: removed), or an unknown field added. */
const field = fc.constantFrom('v', 'type', 'status', 'from', 'to', 'request_id', 'action', 'metadata', 'unknown');
const value: fc.Arbitrary<unknown> = fc.oneof(address, text, metadata, fc.constantFrom(1, 2, '1', 'request', 'response', 'status', 'broadcast', 'completed', 'failed', undefined, null));
// A payload is JSON data the wire takes: the codec converted it, or the walk checked it (the check does not look at it).
/** One metadata field set to a value right or wrong (`metadata.<field>`), the others kept as built. */
const metadataChange = fc
  .oneof(
    fc.tuple(fc.constantFrom('timestamp', 'timeout_ms', 'deadline', 'attempt'), count),
    fc.tuple(fc.constant('call_chain'), chain),
    fc.tuple(fc.constant('reply_to'), replyTo),
    fc.tuple(fc.constant('priority'), fc.constantFrom<unknown>('high', 'urgent')),
  )
  .map(([key, to]): [string, unknown] => [`metadata.${key}`, to]);
const change = fc.oneof(fc.tuple(field, value), fc.tuple(fc.constant('payload'), fc.oneof(payload, fc.constant(undefined))), metadataChange);

/** Envelopes as a runtime builds them, and the same with a field or two changed: right and wrong in every field the check looks at. */
const candidate = fc.tuple(built, fc.array(change, { maxLength: 2 })).map(([envelope, changes]) => {
  const changed: Record<string, unknown> = { ...envelope };
  for (const [key, to] of changes) {
    if (key.startsWith('metadata.')) {
      if (typeof changed.metadata === 'object' && changed.metadata !== null) changed.metadata = { ...changed.metadata, [key.slice('metadata.'.length)]: to };
    } else if (to === undefined) delete changed[key];
    else changed[key] = to;
  }
  return changed;
});

describe('isEvidentlyValid (the envelope schema skipped for envelopes a runtime builds)', () => {
  it('is true only for envelopes the schema accepts and returns unchanged', () => {
    fc.assert(
      fc.property(candidate, (envelope) => {
        if (!isEvidentlyValid(envelope)) return;
        const parsed = EnvelopeSchema.safeParse(envelope);
        expect(parsed.success).toBe(true);
        expect(parsed.data).toStrictEqual(envelope);
      }),
      { numRuns: 3_000 },
    );
  });

  it('leaves encodeEnvelope writing v first, whatever the order of the fields it is given', () => {
    fc.assert(
      fc.property(built, fc.boolean(), (envelope, versionLast) => {
        const { v, ...rest } = envelope;
        const input = versionLast ? { ...rest, v } : envelope;
        expect(encodeEnvelope(input as Envelope).startsWith('{"v":1,')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves decodeEnvelope answering what the schema answers for the parsed text', () => {
    fc.assert(
      fc.property(candidate, (envelope) => {
        const text = JSON.stringify(envelope);
        const expected = EnvelopeSchema.safeParse(JSON.parse(text));
        if (expected.success) expect(decodeEnvelope(text)).toStrictEqual(expected.data);
        else expect(() => decodeEnvelope(text)).toThrow(MessageValidationError);
      }),
      { numRuns: 1_000 },
    );
  });

  it('is true for the requests and completed responses a runtime builds, so they skip the second check', () => {
    fc.assert(
      fc.property(built, (envelope) => {
        expect(isEvidentlyValid(envelope)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('MessageCodec.encodeOwn', () => {
  const now = 1_767_225_600_000;
  class Note {
    constructor(readonly body: unknown) {}
  }
  /** A small depth limit, so messages at the limit, and one level over it, come up often. */
  const codec = new MessageCodec({ now: () => now, maxDepth: 4, maxBytes: 4_000 }).register(Note);
  const message = fc.oneof(fc.jsonValue({ maxDepth: 5 }), fc.jsonValue({ maxDepth: 5 }).map((body) => new Note(body)), fc.constant(new Date(now)), fc.constant(() => 1));
  const ownMetadata: fc.Arbitrary<EnvelopeMetadata> = fc.record({ timeout_ms: fc.nat(), deadline: fc.nat(), attempt: fc.integer({ min: 1, max: 9 }), call_chain: fc.array(fc.oneof(id, longId), { maxLength: 3 }), reply_to: replyTo.filter((to) => typeof to === 'string') }, { requiredKeys: [] });
  const addressing = fc.oneof(
    fc.record({ type: fc.constant('request' as const), to: fc.oneof(agent, longAddress), from: fc.option(agent, { nil: undefined }), requestId: fc.oneof(id, longId, fc.constant('')), metadata: ownMetadata }),
    fc.record({ type: fc.constant('response' as const), from: fc.oneof(agent, longAddress), to: fc.option(agent, { nil: undefined }), requestId: fc.oneof(id, longId), metadata: fc.record({ attempt: fc.integer({ min: 1, max: 9 }) }, { requiredKeys: [] }) }),
  );

  /** What encoding did: its envelope and text, or the error's class and issue codes. */
  function outcome(encode: () => { envelope: unknown; text: string }): unknown {
    try {
      const { envelope, text } = encode();
      return { envelope, text: JSON.parse(text) as unknown };
    } catch (error) {
      return { error: (error as Error).name, issues: error instanceof MessageValidationError ? error.issues.map((issue) => [issue.code, issue.path.join('.')]) : [] };
    }
  }

  it('writes what encode writes, and refuses what it refuses with the same issues', () => {
    fc.assert(
      fc.property(message, addressing, (value, address) => {
        expect(outcome(() => codec.encodeOwn(value, address))).toEqual(outcome(() => codec.encode(value, address)));
      }),
      { numRuns: 1_500 },
    );
  });

  it('passes an UnknownPayload through as encode does', () => {
    const forwarded = new UnknownPayload('Elsewhere', { n: 1 });
    const address = { type: 'request' as const, to: 'echo/k0', requestId: 'r-1' };
    expect(codec.encodeOwn(forwarded, address)).toEqual(codec.encode(forwarded, address));
  });
});
