/*
 * The smallest worker program, for the tests of the harness itself (test/nats/WorkerProcess.test.ts):
 * prints `ready` with its settings, passes the crash points `one`, `two`, `three` (printing `passed`
 * after each), then prints a `tick` every TICK_MS until it is killed.
 */
import { crashPoint, emit, numberEnv } from '../support/workerEvents.js';

emit('ready', { pid: process.pid, natsUrl: process.env.NATS_URL, crashAt: process.env.CRASH_AT });
for (const point of ['one', 'two', 'three']) {
  await crashPoint(point);
  emit('passed', { point });
}
let tick = 0;
setInterval(() => emit('tick', { tick: ++tick }), numberEnv('TICK_MS', 20));
