/**
 * Scenario 3: publishing. (a) One publish to 100 subscribers (async handlers), timed until every
 * delivery ran; (b) AutoGen's cascade: 5 default-subscribed agent types, each delivery below round 5
 * publishes the next round (8,525 deliveries per run). Both are timed per delivery against the
 * mailbox baseline doing the same: one envelope per subscriber (no promise), the sender excluded,
 * the same per-agent mailboxes and pump scheduling, handlers looked up by message class.
 */
import { SingleThreadedAgentRuntime, TopicId, TypeSubscription } from '../src/index.js';
import { CascadingAgent, CascadingMessage, Counter, Tick, TickAgent } from './agents.js';
import { MailboxAddress } from './baseline/MailboxAddress.js';
import { MailboxDispatcher } from './baseline/MailboxDispatcher.js';
import { type Case, compare, statsFor } from './harness.js';
import { group, record } from './report.js';

const SUBSCRIBERS = 100;
const CASCADE_TYPES = 5;
const MAX_ROUNDS = 5;
const CASCADE_DELIVERIES = 8_525;

const BASE_FAN = 'mailbox baseline, publish to 100';
const BASE_CASCADE = 'mailbox baseline, cascade';
const AW_FAN = 'agentwire, publish to 100';
const AW_CASCADE = 'agentwire, cascade';

function baselineFanOut(): Case {
  const md = new MailboxDispatcher();
  const counter = new Counter();
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const address = new MailboxAddress(`sub${i}`, 'default');
    md.register(address, Tick, async () => counter.hit());
    md.subscribe('fan', address);
  }
  const tick = new Tick(1);
  return {
    name: BASE_FAN,
    opsPerUnit: SUBSCRIBERS,
    async run(n) {
      for (let i = 0; i < n; i++) {
        const done = counter.expect(SUBSCRIBERS);
        md.publish('fan', tick);
        await done;
      }
    },
  };
}

function baselineCascade(): Case {
  const md = new MailboxDispatcher();
  const counter = new Counter();
  for (let i = 0; i < CASCADE_TYPES; i++) {
    const address = new MailboxAddress(`name${i}`, 'default');
    md.register(address, CascadingMessage, async (m: CascadingMessage, self, dispatcher) => {
      counter.hit();
      if (m.round < MAX_ROUNDS) dispatcher.publish('default', new CascadingMessage(m.round + 1), self);
    });
    md.subscribe('default', address);
  }
  return {
    name: BASE_CASCADE,
    opsPerUnit: CASCADE_DELIVERIES,
    async run(n) {
      for (let j = 0; j < n; j++) {
        const done = counter.expect(CASCADE_DELIVERIES);
        for (let i = 0; i < CASCADE_TYPES; i++) md.publish('default', new CascadingMessage(1));
        await done;
        await md.whenIdle();
        if (counter.count !== CASCADE_DELIVERIES) throw new Error(`baseline cascade: ${counter.count} deliveries`);
      }
    },
  };
}

async function agentwireFanOut(): Promise<{ c: Case; runtime: SingleThreadedAgentRuntime }> {
  const runtime = new SingleThreadedAgentRuntime();
  const counter = new Counter();
  for (let i = 0; i < SUBSCRIBERS; i++) {
    await TickAgent.register(runtime, `sub${i}`, () => new TickAgent(counter));
    await runtime.addSubscription(new TypeSubscription('fan', `sub${i}`));
  }
  runtime.start();
  const topic = new TopicId('fan', 'default');
  const tick = new Tick(1);
  const c: Case = {
    name: AW_FAN,
    opsPerUnit: SUBSCRIBERS,
    async run(n) {
      for (let i = 0; i < n; i++) {
        const done = counter.expect(SUBSCRIBERS);
        await runtime.publishMessage(tick, topic);
        await done;
      }
    },
  };
  return { c, runtime };
}

async function agentwireCascade(): Promise<{ c: Case; runtime: SingleThreadedAgentRuntime }> {
  const runtime = new SingleThreadedAgentRuntime();
  const counter = new Counter();
  for (let i = 0; i < CASCADE_TYPES; i++) await CascadingAgent.register(runtime, `name${i}`, () => new CascadingAgent(MAX_ROUNDS, counter));
  runtime.start();
  const topic = new TopicId('default', 'default');
  const c: Case = {
    name: AW_CASCADE,
    opsPerUnit: CASCADE_DELIVERIES,
    async run(n) {
      for (let j = 0; j < n; j++) {
        const done = counter.expect(CASCADE_DELIVERIES);
        for (let i = 0; i < CASCADE_TYPES; i++) await runtime.publishMessage(new CascadingMessage(1), topic);
        await done;
        if (runtime.unprocessedMessagesCount !== 0 || counter.count !== CASCADE_DELIVERIES) {
          throw new Error(`agentwire cascade: ${counter.count} deliveries, ${runtime.unprocessedMessagesCount} queued`);
        }
      }
    },
  };
  return { c, runtime };
}

/** Scenario 3: publish fan-out and AutoGen's cascade. */
export async function fanOut(): Promise<void> {
  group('3. publish fan-out (ns per delivery)');
  const fan = await agentwireFanOut();
  const cascade = await agentwireCascade();
  const same = await compare([fan.c, baselineFanOut(), cascade.c, baselineCascade()]);
  await fan.runtime.stop();
  await cascade.runtime.stop();
  record({ scenario: 'publish to 100 subscribers, per delivery', agentwire: statsFor(same, AW_FAN), baseline: { name: 'mailbox baseline', value: statsFor(same, BASE_FAN) } });
  record({ scenario: 'AutoGen cascade (5 types × 5 rounds, 8,525 deliveries), per delivery', agentwire: statsFor(same, AW_CASCADE), baseline: { name: 'mailbox baseline', value: statsFor(same, BASE_CASCADE) } });
}
