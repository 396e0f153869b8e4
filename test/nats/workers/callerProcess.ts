/*
 * A client process (a NatsAgentRuntime without registrations) that sends one CountItem and waits for
 * its answer: the caller a test crashes after its request was accepted (distributed.md §6.2 case 10).
 *
 * Settings (environment): NATS_URL, WORKER_ID, AGENT_TYPE, AGENT_KEY (k), PARTITIONS (4), REQUEST_ID
 * (the request's messageId, kept by the test as a real caller would persist it), ITEM.
 * Events: sending (the request id), answered (the answer; a crashed caller never prints it).
 */
import { AgentId } from '../../../src/core/AgentId.js';
import { NatsAgentRuntime } from '../../../src/nats/index.js';
import { emit, numberEnv, requiredEnv } from '../support/workerEvents.js';
import { clusterCodec } from './clusterMessages.js';
import { CountItem, type ItemCounted } from './counterMessages.js';

const runtime = new NatsAgentRuntime({ servers: requiredEnv('NATS_URL'), workerId: requiredEnv('WORKER_ID'), codec: clusterCodec(), partitions: numberEnv('PARTITIONS', 4) });
runtime.start();
const requestId = requiredEnv('REQUEST_ID');
emit('sending', { requestId });
const answer = await runtime.sendMessage<ItemCounted>(new CountItem(requiredEnv('ITEM')), new AgentId(requiredEnv('AGENT_TYPE'), process.env.AGENT_KEY || 'k'), { messageId: requestId });
emit('answered', { requestId, item: answer.item, by: answer.worker });
await runtime.stop();
