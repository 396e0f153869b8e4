import type { Subscription } from '../runtime/Subscription.js';

/** @internal A class-level subscription: evaluated in `register` with the registered agent type. */
export type SubscriptionDeclaration = (agentType: string) => Subscription[];
