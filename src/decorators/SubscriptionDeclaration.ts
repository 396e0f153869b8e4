import type { Subscription } from '../core/Subscription.js';

/** @internal A class-level subscription: evaluated in `register` with the registered agent type. */
export type SubscriptionDeclaration = (agentType: string) => Subscription[];
