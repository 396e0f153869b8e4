import { trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  type MessageContext,
  RoutedAgent,
  SingleThreadedAgentRuntime,
  type SpanLike,
  type TracerLike,
  instrumentOpenTelemetry,
  messageHandler,
} from '../../src/index.js';

class Outer {}
class Inner {}
class Boom {}

class Front extends RoutedAgent {
  @messageHandler()
  async outer(_m: Outer): Promise<string> {
    return this.sendMessage<string>(new Inner(), new AgentId('back', 'default'));
  }
}

class Back extends RoutedAgent {
  @messageHandler()
  inner(_m: Inner, _ctx: MessageContext): string {
    return 'done';
  }

  @messageHandler()
  boom(_m: Boom): never {
    throw new Error('kaput');
  }
}

interface Recorded {
  name: string;
  parent: SpanLike | undefined;
  status?: { code: number; message?: string };
  ended: boolean;
  attributes: Record<string, unknown>;
}

function fakeTracer(): { tracer: TracerLike; spans: Recorded[] } {
  const spans: Recorded[] = [];
  const tracer: TracerLike = {
    startSpan(name, options, context) {
      const record: Recorded = { name, parent: trace.getSpan(context as never) as SpanLike | undefined, ended: false, attributes: { ...options?.attributes } };
      const span: SpanLike & { record: Recorded } = {
        record,
        setAttribute: (k, v) => (record.attributes[k] = v),
        setStatus: (s) => (record.status = s),
        end: () => (record.ended = true),
        // what trace.setSpan/getSpan need from a span
        ...({ spanContext: () => ({ traceId: '1'.repeat(32), spanId: String(spans.length).padStart(16, '0'), traceFlags: 1 }) } as object),
      };
      spans.push(record);
      return span;
    },
  };
  return { tracer, spans };
}

describe('instrumentOpenTelemetry', () => {
  let runtime: SingleThreadedAgentRuntime;
  afterEach(async () => {
    if (runtime.isRunning) await runtime.stop();
  });

  it('makes the nested request a child span of the request whose handler sent it', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Front.register(runtime, 'front', () => new Front());
    await Back.register(runtime, 'back', () => new Back());
    const { tracer, spans } = fakeTracer();
    const otel = await instrumentOpenTelemetry(runtime, { tracer });
    runtime.start();
    await runtime.sendMessage(new Outer(), new AgentId('front', 'default'));
    otel.dispose();
    expect(spans.map((s) => s.name)).toEqual(['agentwire send front/default', 'agentwire send back/default']);
    expect(spans[0]!.parent).toBeUndefined();
    expect((spans[1]!.parent as unknown as { record: Recorded }).record).toBe(spans[0]);
    expect(spans.every((s) => s.ended && s.status?.code === 1)).toBe(true);
    expect(spans[1]!.attributes).toMatchObject({ 'messaging.system': 'agentwire', 'agentwire.message.type': 'Inner', 'agentwire.sender': 'front/default' });
  });

  it('marks a failed request span as an error with the reason', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Back.register(runtime, 'back', () => new Back());
    const { tracer, spans } = fakeTracer();
    await instrumentOpenTelemetry(runtime, { tracer });
    runtime.start();
    await expect(runtime.sendMessage(new Boom(), new AgentId('back', 'default'))).rejects.toThrow('kaput');
    expect(spans[0]).toMatchObject({ ended: true, status: { code: 2, message: 'error: kaput' } });
  });

  it('stops creating spans once disposed', async () => {
    runtime = new SingleThreadedAgentRuntime();
    await Back.register(runtime, 'back', () => new Back());
    const { tracer, spans } = fakeTracer();
    const otel = await instrumentOpenTelemetry(runtime, { tracer });
    otel.dispose();
    runtime.start();
    await runtime.sendMessage(new Inner(), new AgentId('back', 'default'));
    expect(spans).toHaveLength(0);
  });
});
