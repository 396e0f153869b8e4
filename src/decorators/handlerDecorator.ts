import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { HandlerKind, HandlerOptions, MessageClass } from './HandlerDeclaration.js';
import { assertLegacyDecorator } from './assertLegacyDecorator.js';
import { addHandler, firstParameterType, hasDesignMetadata } from './metadata.js';

const NOT_MESSAGE_CLASSES = new Set<unknown>([Object, Function, Promise, undefined, null]);

/** @internal Builds `@messageHandler`, `@event` or `@rpc`: validates when applied, then records. */
export function handlerDecorator(kind: HandlerKind, name: string) {
  return function decorate(
    typeOrOptions?: MessageClass | HandlerOptions<never>,
    maybeOptions?: HandlerOptions<never>,
  ): MethodDecorator {
    if (isPrototypeTarget(typeOrOptions, maybeOptions)) {
      throw new ConfigurationError(`@${name} must be called: write @${name}() or @${name}(MessageClass), with parentheses.`);
    }
    if (typeOrOptions === null || maybeOptions === null) {
      throw new ConfigurationError(`@${name}(null) is not valid: call @${name}(), @${name}(MessageClass) or @${name}({ match }).`);
    }
    const explicit = typeof typeOrOptions === 'function' ? typeOrOptions : undefined;
    const options = (explicit ? maybeOptions : (typeOrOptions as HandlerOptions<never> | undefined)) ?? {};
    validateOptions(name, options);
    return (target, method, descriptor) => {
      assertLegacyDecorator(name, method);
      const where = `${className(target)}.${String(method)}`;
      if (typeof descriptor.value !== 'function') {
        throw new ConfigurationError(`@${name} decorates methods only, and ${where} is not a method.`);
      }
      const messageType = explicit ?? inferType(name, target, method, where);
      addHandler(target, { method, messageType, kind, match: options.match });
    };
  };
}

function inferType(name: string, target: object, method: string | symbol, where: string): MessageClass {
  if (!hasDesignMetadata(target, method)) {
    throw new ConfigurationError(
      `@${name}() cannot infer the message type of ${where}: no decorator metadata was emitted. ` +
        `Compile with "experimentalDecorators" and "emitDecoratorMetadata" (tsc, SWC or Vite 8/Oxc; not esbuild/tsx), ` +
        `or pass the class explicitly: @${name}(MyMessage).`,
    );
  }
  const type = firstParameterType(target, method);
  if (typeof type !== 'function' || NOT_MESSAGE_CLASSES.has(type)) {
    throw new ConfigurationError(
      `@${name}() cannot infer the message type of ${where}: its first parameter is not a class ` +
        `(an interface, union, type alias, primitive or "import type" gives no runtime type). ` +
        `Pass the class explicitly: @${name}(MyMessage), and import it as a value.`,
    );
  }
  return type as MessageClass;
}

function validateOptions(name: string, options: HandlerOptions<never>): void {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError(`@${name}(options): options must be an object such as { match: (msg, ctx) => … }.`);
  }
  if (options.match !== undefined && typeof options.match !== 'function') {
    throw new ConfigurationError(`@${name}({ match }): match must be a function (message, ctx) => boolean.`);
  }
}

function isPrototypeTarget(first: unknown, second: unknown): boolean {
  return typeof first === 'object' && first !== null && (typeof second === 'string' || typeof second === 'symbol');
}

function className(target: object): string {
  return (target as { constructor?: { name?: string } }).constructor?.name ?? 'anonymous class';
}
