import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { PolicyDeclaration } from './PolicyDeclaration.js';
import { assertLegacyDecorator } from './assertLegacyDecorator.js';
import { addPolicy, ownPolicies } from './metadata.js';

/**
 * @internal Builds a policy method decorator: it validates the options once (by constructing the
 * policy, so bad options fail at decoration time) and records them; the runtime builds the real
 * policy objects with its own clock.
 */
export function policyDecorator(kind: PolicyDeclaration['kind'], options: unknown, validate: () => void): MethodDecorator {
  validate();
  return (target, method, descriptor) => {
    assertLegacyDecorator(kind, method);
    const where = `${(target as { constructor: { name: string } }).constructor.name}.${String(method)}`;
    if (typeof descriptor.value !== 'function') throw new ConfigurationError(`@${kind} decorates methods only, and ${where} is not a method.`);
    if (ownPolicies(target).some((p) => p.method === method && p.kind === kind)) {
      throw new ConfigurationError(`${where} has @${kind} twice: keep one.`);
    }
    addPolicy(target, { method, kind, options });
  };
}
