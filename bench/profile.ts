import { TopicId } from '../src/index.js';
import { CascadingAgent, CascadingMessage, Counter, Ping, StackEcho, echoRuntime } from './agents.js';
import { echoBaseline } from './baseline/echo.js';

/**
 * A focused workload to profile (not part of `npm run bench`):
 *   npm run bench (to compile), then
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof .out/bench/profile.js one|stack|many|cascade|baseline [seconds]
 */
const mode = process.argv[2] ?? 'one';
const seconds = Number(process.argv[3] ?? 5);
const ping = new Ping(1);
const until = Date.now() + seconds * 1000;

async function one(stack = false): Promise<number> {
  const { runtime, id } = stack ? await echoRuntime(StackEcho, {}, 'stack') : await echoRuntime();
  let n = 0;
  while (Date.now() < until) {
    for (let i = 0; i < 10_000; i++) await runtime.sendMessage(ping, id);
    n += 10_000;
  }
  return n;
}

async function many(): Promise<number> {
  const { runtime, id } = await echoRuntime();
  const batch: Promise<unknown>[] = new Array(10_000);
  let n = 0;
  while (Date.now() < until) {
    for (let i = 0; i < batch.length; i++) batch[i] = runtime.sendMessage(ping, id);
    await Promise.all(batch);
    n += batch.length;
  }
  return n;
}

async function cascade(): Promise<number> {
  const { runtime } = await echoRuntime();
  const counter = new Counter();
  for (let i = 0; i < 5; i++) await CascadingAgent.register(runtime, `name${i}`, () => new CascadingAgent(5, counter));
  const topic = new TopicId('default', 'default');
  let n = 0;
  while (Date.now() < until) {
    const done = counter.expect(8_525);
    for (let i = 0; i < 5; i++) await runtime.publishMessage(new CascadingMessage(1), topic);
    await done;
    n += 8_525;
  }
  return n;
}

async function baseline(): Promise<number> {
  const { dispatcher, addresses } = echoBaseline();
  const to = addresses[0]!;
  let n = 0;
  while (Date.now() < until) {
    for (let i = 0; i < 10_000; i++) await dispatcher.send(to, ping);
    n += 10_000;
  }
  return n;
}

const modes: Record<string, () => Promise<number>> = { one: () => one(), stack: () => one(true), many, cascade, baseline };
const run = modes[mode];
if (run === undefined) throw new Error(`unknown mode ${mode}: use ${Object.keys(modes).join(', ')}`);
const started = process.hrtime.bigint();
const count = await run();
process.stdout.write(`${mode}: ${count} operations, ${(Number(process.hrtime.bigint() - started) / count).toFixed(0)} ns each\n`);
process.exit(0);
