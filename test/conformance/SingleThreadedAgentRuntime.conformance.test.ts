import { SingleThreadedAgentRuntime } from '../../src/index.js';
import { describeRuntimeConformance } from './runtimeConformance.js';

describeRuntimeConformance('SingleThreadedAgentRuntime', ({ clock, ...options }) => new SingleThreadedAgentRuntime({ clock, ...options }));
