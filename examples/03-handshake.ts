/**
 * Seed scenario 3: a capability handshake (the seed's `AgentConnection`).
 *
 * Agents declare what they can do with `@capabilities([...])`. `runtime.handshake(a, b)` sends a
 * `HandshakeRequest` with a's capabilities through b's mailbox; b answers (by default: accepted
 * with the shared capabilities and a session id when something is shared, else rejected). The
 * researcher shares "summarization" with the writer and nothing with the coder.
 *
 * Run: `npm run example` (all examples) or `node .out/examples/03-handshake.js`.
 */
import 'reflect-metadata';
import { AgentId, RoutedAgent, SingleThreadedAgentRuntime, capabilities, messageHandler } from '../src/index.js';

class WriteReport {
  constructor(readonly topic: string) {}
}

@capabilities(['text_analysis', 'web_search', 'summarization'])
class Researcher extends RoutedAgent {}

@capabilities(['text_generation', 'summarization', 'formatting'])
class Writer extends RoutedAgent {
  @messageHandler()
  write(message: WriteReport): string {
    return `Report on ${message.topic}`;
  }
}

@capabilities(['code_generation', 'debugging'])
class Coder extends RoutedAgent {}

export async function main(log: (line: string) => void = console.log): Promise<void> {
  const runtime = new SingleThreadedAgentRuntime();
  await Researcher.register(runtime, 'researcher', () => new Researcher('Finds and condenses information'));
  await Writer.register(runtime, 'writer', () => new Writer('Writes reports'));
  await Coder.register(runtime, 'coder', () => new Coder('Writes code'));
  runtime.start();

  const researcher = new AgentId('researcher', 'default');
  for (const target of [new AgentId('writer', 'default'), new AgentId('coder', 'default')]) {
    const offered = (await runtime.agentMetadata(researcher)).capabilities ?? [];
    log(`[Handshake] ${researcher.type} → ${target.type}: Requesting connection`);
    log(`  Capabilities offered: ${JSON.stringify(offered)}`);
    const response = await runtime.handshake(researcher, target);
    if (response.accepted) {
      log(`[Handshake] ✅ Connected! Shared: ${JSON.stringify(response.sharedCapabilities)} (session ${response.sessionId.length}-char id)`);
    } else {
      log(`[Handshake] ❌ Rejected: ${response.rejectionReason}`);
    }
    log('');
  }

  log('Before sending, a sender can also check who handles a message:');
  for (const type of ['writer', 'coder']) {
    log(`  can ${type} handle WriteReport? ${await runtime.canHandle(new AgentId(type, 'default'), WriteReport)}`);
  }
  await runtime.stopWhenIdle();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
