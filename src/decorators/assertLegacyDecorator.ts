import { ConfigurationError } from '../errors/ConfigurationError.js';

/**
 * @internal Throws a clear error when a decorator is called the TC39 way (`(value, context)`),
 * which is what compilers emit without `experimentalDecorators`: agentwire needs legacy decorators
 * and their emitted metadata.
 */
export function assertLegacyDecorator(name: string, second: unknown): void {
  if (typeof second === 'object' && second !== null && 'kind' in second) {
    throw new ConfigurationError(
      `@${name} was applied as a standard (TC39) decorator. agentwire needs legacy decorators: set "experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json (and compile with tsc, SWC or Vite 8/Oxc, not esbuild/tsx).`,
    );
  }
}
