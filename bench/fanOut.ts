import { SingleThreadedAgentRuntime, TopicId, TypeSubscription } from '../src/index.js';
import { CascadingAgent, CascadingMessage, Counter, Tick, TickAgent } from './agents.js';
import { type Case, compare, group, record } from './harness.js';
import { MinimalDispatcher } from './minimalDispatcher.js';
import { pristine, pristineOf } from './pristine.js';

const SUBSCRIBERS = 100;
const CASCADE_TYPES = 5;
const MAX_ROUNDS = 5;
const CASCADE_DELIVERIES = 8_525;

const MINIMAL_FAN = 'minimal dispatcher, publish to 100';
const MINIMAL_CASCADE = 'minimal dispatcher, cascade';

function minimalFanOut(): Case {
  const md = new MinimalDispatcher();
  const counter = new Counter();
  for (let i = 0; i < SUBSCRIBERS; i++) {
    md.register(`sub${i}/default`, async () => counter.hit());
    md.subscribe('fan', `sub${i}/default`);
  }
  const tick = new Tick(1);
  return {
    name: MINIMAL_FAN,
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

function minimalCascade(): Case {
  const md = new MinimalDispatcher();
  const counter = new Counter();
  for (let i = 0; i < CASCADE_TYPES; i++) {
    md.register(`name${i}/default`, async (m: CascadingMessage, self, dispatcher) => {
      counter.hit();
      if (m.round < MAX_ROUNDS) dispatcher.publish('default', new CascadingMessage(m.round + 1), self);
    });
    md.subscribe('default', `name${i}/default`);
  }
  return {
    name: MINIMAL_CASCADE,
    opsPerUnit: CASCADE_DELIVERIES,
    async run(n) {
      for (let j = 0; j < n; j++) {
        const done = counter.expect(CASCADE_DELIVERIES);
        for (let i = 0; i < CASCADE_TYPES; i++) md.publish('default', new CascadingMessage(1));
        await done;
        await md.whenIdle();
        if (counter.count !== CASCADE_DELIVERIES) throw new Error(`minimal cascade: ${counter.count} deliveries`);
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
    name: 'agentwire publish to 100 subscribers',
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
    name: 'agentwire cascade (5 types, 5 rounds, 8,525 deliveries)',
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

/** Scenario 3 baselines, before agentwire runs anything. */
export async function fanOutBaselines(): Promise<void> {
  for (const [name, s] of await compare([minimalFanOut(), minimalCascade()])) pristine.set(name, s);
}

/** Scenario 3: publish fan-out and AutoGen's cascade. */
export async function fanOut(): Promise<void> {
  group('3. publish fan-out (ns per delivery)');
  const fan = await agentwireFanOut();
  const cascade = await agentwireCascade();
  const same = await compare([fan.c, minimalFanOut(), cascade.c, minimalCascade()]);
  await fan.runtime.stop();
  await cascade.runtime.stop();
  record(`${MINIMAL_FAN} [phase 1]`, pristineOf(MINIMAL_FAN));
  record(fan.c.name, same.get(fan.c.name)!, { baselineName: 'minimal [phase 1]', baseline: pristineOf(MINIMAL_FAN) });
  record(`${fan.c.name} [interleaved]`, same.get(fan.c.name)!, { baselineName: 'minimal (interleaved)', baseline: same.get(MINIMAL_FAN)! });
  record(`${MINIMAL_CASCADE} [phase 1]`, pristineOf(MINIMAL_CASCADE));
  record(cascade.c.name, same.get(cascade.c.name)!, { baselineName: 'minimal [phase 1]', baseline: pristineOf(MINIMAL_CASCADE) });
  record(`${cascade.c.name} [interleaved]`, same.get(cascade.c.name)!, { baselineName: 'minimal (interleaved)', baseline: same.get(MINIMAL_CASCADE)! });
}
