import { describe, expect, it } from 'vitest';
import { MessageValidationError } from '../../src/errors/MessageValidationError.js';
import { ENVELOPE_VERSION, parseEnvelope, safeParseEnvelope } from '../../src/protocol/index.js';
import { broadcast, completed, everyEnvelope, failed, request, status } from './fixtures.js';

function issuesOf(input: unknown) {
  const result = safeParseEnvelope(input);
  if (result.success) throw new Error('expected a validation failure');
  return result.error.issues;
}

describe('EnvelopeSchema', () => {
  it.each(Object.entries(everyEnvelope))('accepts a valid %s envelope unchanged', (_name, envelope) => {
    expect(parseEnvelope(envelope)).toEqual(envelope);
  });

  it('writes version 1', () => {
    expect(ENVELOPE_VERSION).toBe(1);
  });

  it('refuses an envelope without the version marker', () => {
    const { v: _v, ...unversioned } = request;
    expect(issuesOf(unversioned)).toEqual([expect.objectContaining({ path: ['v'], message: expect.stringMatching(/"v": 1/) })]);
  });

  it('refuses a future version with unsupported_version before looking at anything else', () => {
    const issues = issuesOf({ v: 2, kind: 'something new entirely' });
    expect(issues).toEqual([
      { code: 'unsupported_version', path: ['v'], message: 'envelope version 2 is not supported; this build reads version 1' },
    ]);
  });

  it('refuses an unknown type', () => {
    expect(issuesOf({ ...request, type: 'gossip' })[0]).toMatchObject({ path: ['type'] });
  });

  it('refuses an agent address without a key or with a bad type', () => {
    expect(issuesOf({ ...request, to: 'reviewer' })[0]).toMatchObject({ path: ['to'], message: expect.stringMatching(/type\/key/) });
    expect(issuesOf({ ...request, to: 'bad type!/k' })[0]).toMatchObject({ path: ['to'] });
  });

  it('accepts agent keys containing slashes and topic types with : and =', () => {
    expect(parseEnvelope({ ...request, to: 'reviewer/a/b' })).toMatchObject({ to: 'reviewer/a/b' });
    expect(parseEnvelope(broadcast)).toMatchObject({ to: 'team.events:build=1/sprint-7' });
  });

  it('refuses a topic address in a request and : in an agent type', () => {
    expect(issuesOf({ ...request, to: 'a:b/key' })[0]).toMatchObject({ path: ['to'] });
  });

  it('requires an error on a failed response and a payload on a completed one', () => {
    const { error: _e, ...noError } = failed;
    expect(issuesOf(noError)[0]).toMatchObject({ path: ['error'] });
    const { payload: _p, ...noPayload } = completed;
    expect(issuesOf(noPayload)[0]).toMatchObject({ path: ['payload'] });
  });

  it('requires action and payload together on a status', () => {
    const { payload: _p, ...actionOnly } = status;
    expect(issuesOf(actionOnly)[0]).toMatchObject({ path: ['action'], message: expect.stringMatching(/both/) });
  });

  it('accepts a bare acknowledgment status', () => {
    const ack = { v: 1, type: 'status', status: 'received', from: 'r/default', request_id: 'req-1', metadata: {} };
    expect(parseEnvelope(ack)).toEqual(ack);
  });

  it('refuses bad metadata: unknown priority, negative timeout, malformed traceparent', () => {
    expect(issuesOf({ ...request, metadata: { priority: 'urgent' } })[0]).toMatchObject({ path: ['metadata', 'priority'] });
    expect(issuesOf({ ...request, metadata: { timeout_ms: -1 } })[0]).toMatchObject({ path: ['metadata', 'timeout_ms'] });
    expect(issuesOf({ ...request, metadata: { trace: { traceparent: 'nope' } } })[0]).toMatchObject({
      path: ['metadata', 'trace', 'traceparent'],
    });
  });

  it('carries a reply address (a subject to publish on) and refuses one with wildcards, whitespace or empty tokens', () => {
    const replying = { ...request, metadata: { reply_to: '_INBOX.Xk2kQ9pLmN3.replies' } };
    expect(parseEnvelope(replying)).toEqual(replying);
    for (const replyTo of ['_INBOX.*', 'a.>', 'with space', 'a..b', '.a', '', 'x'.repeat(257)]) {
      expect(issuesOf({ ...request, metadata: { reply_to: replyTo } })[0]).toMatchObject({ path: ['metadata', 'reply_to'] });
    }
  });

  it('drops unknown fields (tolerant reader within a version)', () => {
    expect(parseEnvelope({ ...request, added_in_1_1: true })).toEqual(request);
  });

  it('throws a MessageValidationError carrying the request id', () => {
    expect(() => parseEnvelope({ ...request, to: 42 })).toThrow(MessageValidationError);
    expect(() => parseEnvelope({ ...request, to: 42 })).toThrow(expect.objectContaining({ messageId: 'req-0042' }));
  });

  it('refuses values that are not JSON, with their path', () => {
    const withFn = { ...request, payload: { run: () => 1 } };
    expect(issuesOf(withFn)).toEqual([{ code: 'not_json', path: ['payload', 'run'], message: 'a function is not a JSON value' }]);
    expect(issuesOf({ ...request, payload: new Date(0) })[0]).toMatchObject({ code: 'not_json', message: /a Date/ });
    expect(issuesOf({ ...request, payload: 1n })[0]).toMatchObject({ code: 'not_json', path: ['payload'] });
    expect(issuesOf({ ...request, payload: NaN })[0]).toMatchObject({ code: 'not_json', message: 'NaN is not a JSON number' });
  });

  it('turns a throwing getter into a MessageValidationError instead of crashing', () => {
    const hostile = { ...request };
    Object.defineProperty(hostile, 'payload', { enumerable: true, get: () => { throw new Error('boom'); } });
    expect(issuesOf(hostile)[0]).toMatchObject({ code: 'unreadable', message: /boom/ });
  });
});
