import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  ClosureAgent,
  ConfigurationError,
  HandshakeRequest,
  HandshakeResponse,
  type MessageContext,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  UndeliverableError,
  capabilities,
  messageHandler,
} from '../../src/index.js';

class ResearchQuery {
  constructor(readonly topic: string) {}
}

class SpecialQuery extends ResearchQuery {}

class Draft {
  constructor(readonly text: string) {}
}

class Connect {
  constructor(readonly target: AgentId) {}
}

@capabilities(['text_analysis', 'web_search', 'summarization'])
class Researcher extends RoutedAgent {
  constructor() {
    super('Finds and summarizes sources');
  }

  @messageHandler()
  research(message: ResearchQuery): string {
    return `findings on ${message.topic}`;
  }

  /** Handshakes with another agent from inside a handler. */
  @messageHandler()
  connect(message: Connect): Promise<HandshakeResponse> {
    return this.handshake(message.target);
  }
}

@capabilities(['text_generation', 'summarization', 'formatting'])
class Writer extends RoutedAgent {
  @messageHandler()
  write(message: Draft): string {
    return message.text.toUpperCase();
  }
}

@capabilities(['code_generation', 'debugging'])
class Coder extends RoutedAgent {}

@capabilities(['summarization'], { protocolVersion: '2.0' })
class FutureWriter extends RoutedAgent {}

@capabilities(['summarization', 'formatting'], { protocolVersion: '1.4' })
class NewerWriter extends RoutedAgent {}

/** Accepts only researchers, whatever they offer. */
@capabilities(['review'])
class Gatekeeper extends RoutedAgent {
  asked: HandshakeRequest[] = [];

  override onHandshake(request: HandshakeRequest): HandshakeResponse {
    this.asked.push(request);
    if (request.agentId?.type !== 'researcher') return new HandshakeResponse(this.id, false, [], '', 'Researchers only');
    return new HandshakeResponse(this.id, true, ['review'], 'gate-1', '');
  }
}

/** Handles HandshakeRequest itself with a message handler. */
@capabilities(['summarization'])
class CustomHandshake extends RoutedAgent {
  @messageHandler()
  onHandshakeMessage(request: HandshakeRequest, _ctx: MessageContext): HandshakeResponse {
    return new HandshakeResponse(this.id, true, [...request.capabilities], 'custom', '');
  }
}

const id = (type: string): AgentId => new AgentId(type, 'default');

describe('handshake', () => {
  let runtime: SingleThreadedAgentRuntime;

  beforeEach(async () => {
    runtime = new SingleThreadedAgentRuntime({ clock: new SimulatedClock() });
    await Researcher.register(runtime, 'researcher', () => new Researcher());
    await Writer.register(runtime, 'writer', () => new Writer());
    await Coder.register(runtime, 'coder', () => new Coder());
    await FutureWriter.register(runtime, 'future', () => new FutureWriter());
    await NewerWriter.register(runtime, 'newer', () => new NewerWriter());
    await Gatekeeper.register(runtime, 'gatekeeper', () => new Gatekeeper());
    await CustomHandshake.register(runtime, 'custom', () => new CustomHandshake());
    runtime.start();
  });

  afterEach(async () => {
    await runtime.close();
  });

  describe('the seed demo', () => {
    it('connects researcher ↔ writer, sharing summarization, with a session id', async () => {
      const response = await runtime.handshake(id('researcher'), id('writer'));
      expect(response).toBeInstanceOf(HandshakeResponse);
      expect(response.accepted).toBe(true);
      expect(response.sharedCapabilities).toEqual(['summarization']);
      expect(response.sessionId).toMatch(/^[0-9a-f]{8}$/);
      expect(response.rejectionReason).toBe('');
      expect(String(response.agentId)).toBe('writer/default');
    });

    it('rejects researcher ↔ coder: No compatible capabilities', async () => {
      const response = await runtime.handshake(id('researcher'), id('coder'));
      expect(response.accepted).toBe(false);
      expect(response.sharedCapabilities).toEqual([]);
      expect(response.sessionId).toBe('');
      expect(response.rejectionReason).toBe('No compatible capabilities');
      expect(String(response.agentId)).toBe('coder/default');
    });
  });

  it('gives each accepted handshake a new session id', async () => {
    const first = await runtime.handshake(id('researcher'), id('writer'));
    const second = await runtime.handshake(id('researcher'), id('writer'));
    expect(first.sessionId).not.toBe(second.sessionId);
  });

  it('lists the shared capabilities in the initiator’s order', async () => {
    const response = await runtime.handshake(undefined, id('writer'), { capabilities: ['formatting', 'debugging', 'summarization'] });
    expect(response.sharedCapabilities).toEqual(['formatting', 'summarization']);
  });

  it('rejects a protocol major version mismatch, naming both versions', async () => {
    const response = await runtime.handshake(id('researcher'), id('future'));
    expect(response.accepted).toBe(false);
    expect(response.rejectionReason).toBe('Protocol version 1.0 is not compatible with 2.0');
    const offered = await runtime.handshake(undefined, id('writer'), { capabilities: ['summarization'], protocolVersion: '3.1' });
    expect(offered.rejectionReason).toBe('Protocol version 3.1 is not compatible with 1.0');
  });

  it('accepts a different minor version of the same major', async () => {
    const response = await runtime.handshake(id('researcher'), id('newer'));
    expect(response.accepted).toBe(true);
    expect(response.sharedCapabilities).toEqual(['summarization']);
  });

  it('rejects an initiator that offers nothing', async () => {
    const response = await runtime.handshake(undefined, id('writer'));
    expect(response.accepted).toBe(false);
    expect(response.rejectionReason).toBe('No compatible capabilities');
  });

  it('runs agent.handshake(target) from inside a handler', async () => {
    const response = await runtime.sendMessage<HandshakeResponse>(new Connect(id('writer')), id('researcher'));
    expect(response.accepted).toBe(true);
    expect(response.sharedCapabilities).toEqual(['summarization']);
    const gatekeeper = await runtime.tryGetUnderlyingAgentInstance(id('gatekeeper'), Gatekeeper);
    const gated = await runtime.sendMessage<HandshakeResponse>(new Connect(id('gatekeeper')), id('researcher'));
    expect([gated.accepted, gated.sessionId]).toEqual([true, 'gate-1']);
    expect(gatekeeper.asked.map((r) => [String(r.agentId), r.capabilities, r.protocolVersion])).toEqual([
      ['researcher/default', ['text_analysis', 'web_search', 'summarization'], '1.0'],
    ]);
  });

  it('sends the handshake as a request from the initiating agent', async () => {
    const sends: [string, string, string][] = [];
    runtime.events.on('send', (e) => sends.push([(e.message as object).constructor.name, String(e.sender), String(e.recipient)]));
    await runtime.handshake(id('researcher'), id('writer'));
    expect(sends).toEqual([['HandshakeRequest', 'researcher/default', 'writer/default']]);
  });

  it('lets an agent decide by overriding onHandshake', async () => {
    const rejected = await runtime.handshake(id('writer'), id('gatekeeper'));
    expect([rejected.accepted, rejected.rejectionReason]).toEqual([false, 'Researchers only']);
    const accepted = await runtime.handshake(id('researcher'), id('gatekeeper'));
    expect([accepted.accepted, accepted.sharedCapabilities, accepted.sessionId]).toEqual([true, ['review'], 'gate-1']);
  });

  it('routes a HandshakeRequest to a message handler that declares it', async () => {
    const response = await runtime.handshake(undefined, id('custom'), { capabilities: ['anything'] });
    expect([response.accepted, response.sessionId, response.sharedCapabilities]).toEqual([true, 'custom', ['anything']]);
  });

  describe('capabilities in agentMetadata', () => {
    it('exposes capabilities, protocol version and handled message names', async () => {
      expect(await runtime.agentMetadata(id('researcher'))).toEqual({
        type: 'researcher',
        key: 'default',
        description: 'Finds and summarizes sources',
        capabilities: ['text_analysis', 'web_search', 'summarization'],
        protocolVersion: '1.0',
        handles: expect.arrayContaining(['ResearchQuery', 'Connect']),
      });
      expect((await runtime.agentMetadata(id('researcher'))).handles).toHaveLength(2);
      expect(await runtime.agentMetadata(id('future'))).toMatchObject({ capabilities: ['summarization'], protocolVersion: '2.0', handles: [] });
    });

    it('declares no capabilities and version 1.0 for an undecorated agent', async () => {
      class Plain extends RoutedAgent {
        @messageHandler()
        onDraft(message: Draft): string {
          return message.text;
        }
      }
      await Plain.register(runtime, 'plain', () => new Plain());
      expect(await runtime.agentMetadata(id('plain'))).toMatchObject({ capabilities: [], protocolVersion: '1.0', handles: ['Draft'] });
    });

    it('refuses bad declarations with ConfigurationError', () => {
      expect(() => capabilities([''])).toThrow(ConfigurationError);
      expect(() => capabilities('summarization' as unknown as string[])).toThrow(ConfigurationError);
      expect(() => capabilities(['x'], { protocolVersion: 'v1' })).toThrow(ConfigurationError);
    });
  });

  describe('runtime.canHandle', () => {
    it('answers for a routed agent from its handlers', async () => {
      expect(await runtime.canHandle(id('researcher'), ResearchQuery)).toBe(true);
      expect(await runtime.canHandle(id('researcher'), SpecialQuery)).toBe(true);
      expect(await runtime.canHandle(id('researcher'), Draft)).toBe(false);
      expect(await runtime.canHandle(id('writer'), Draft)).toBe(true);
      expect(await runtime.canHandle(id('coder'), Draft)).toBe(false);
    });

    it('is true for HandshakeRequest on every routed agent', async () => {
      expect(await runtime.canHandle(id('coder'), HandshakeRequest)).toBe(true);
    });

    it('answers for a closure agent from its messageTypes', async () => {
      await ClosureAgent.registerClosure(runtime, 'closure', (_agent, message: ResearchQuery) => message.topic, { messageTypes: [ResearchQuery] });
      await ClosureAgent.registerClosure(runtime, 'anything', () => 'ok');
      expect(await runtime.canHandle(id('closure'), ResearchQuery)).toBe(true);
      expect(await runtime.canHandle(id('closure'), SpecialQuery)).toBe(true);
      expect(await runtime.canHandle(id('closure'), Draft)).toBe(false);
      expect(await runtime.canHandle(id('anything'), Draft)).toBe(true);
    });

    it('is true for HandshakeRequest on a closure agent with messageTypes, which answers handshakes', async () => {
      await ClosureAgent.registerClosure(runtime, 'closure', () => 'ok', { messageTypes: [Draft], capabilities: ['summarization'] });
      expect((await runtime.handshake(id('researcher'), id('closure'))).accepted).toBe(true);
      expect(await runtime.canHandle(id('closure'), HandshakeRequest)).toBe(true);
    });

    it('rejects with UndeliverableError for an unknown agent type', async () => {
      await expect(runtime.canHandle(id('nobody'), Draft)).rejects.toBeInstanceOf(UndeliverableError);
    });
  });

  describe('closure agents', () => {
    it('handshake with the capabilities given at registration', async () => {
      await ClosureAgent.registerClosure(runtime, 'summarizer', () => 'ok', {
        messageTypes: [Draft],
        capabilities: ['summarization', 'translation'],
        protocolVersion: '1.2',
        description: 'Summarizes',
      });
      const response = await runtime.handshake(id('researcher'), id('summarizer'));
      expect([response.accepted, response.sharedCapabilities]).toEqual([true, ['summarization']]);
      expect(await runtime.agentMetadata(id('summarizer'))).toEqual({
        type: 'summarizer',
        key: 'default',
        description: 'Summarizes',
        capabilities: ['summarization', 'translation'],
        protocolVersion: '1.2',
        handles: ['Draft'],
      });
    });

    it('reject a handshake when they declare nothing', async () => {
      await ClosureAgent.registerClosure(runtime, 'bare', () => 'ok', { messageTypes: [Draft] });
      const response = await runtime.handshake(id('researcher'), id('bare'));
      expect([response.accepted, response.rejectionReason]).toEqual([false, 'No compatible capabilities']);
    });
  });
});
