import { ConfigurationError } from '../errors/ConfigurationError.js';
import { messageTypeOf } from '../messages/messageSchema.js';
import { isSchema, type SchemaLike } from '../messages/schemaTypeName.js';
import type { HandlerKind, HandlerOptions, MessageClass } from './HandlerDeclaration.js';
import { assertLegacyDecorator } from './assertLegacyDecorator.js';
import { addHandler, firstParameterType, hasDesignMetadata } from './metadata.js';

const NOT_MESSAGE_CLASSES = new Set<unknown>([Object, Function, Promise, undefined, null]);

/** @internal Builds `@messageHandler`, `@event` or `@rpc`: validates when applied, then records. */
export function handlerDecorator(kind: HandlerKind, name: string) {
  return function decorate(
    typeOrOptions?: MessageClass | SchemaLike | HandlerOptions<never> | object,
    maybeOptions?: HandlerOptions<never> | string | symbol,
    descriptor?: PropertyDescriptor,
  ): MethodDecorator | undefined {
    if (isPrototypeTarget(typeOrOptions, maybeOptions)) {
      // written without parentheses, as in AutoGen: `@messageHandler` is `@messageHandler()`
      decorate()!(typeOrOptions as object, maybeOptions as string | symbol, descriptor ?? {});
      return undefined;
    }
    const options = maybeOptions as HandlerOptions<never> | undefined;
    if (typeOrOptions === null || options === null) {
      throw new ConfigurationError(`@${name}(null) is not valid: call @${name}(), @${name}(MessageClass), @${name}(MessageSchema) or @${name}({ match }).`);
    }
    const explicit = explicitType(name, typeOrOptions);
    const handlerOptions = (explicit ? options : (typeOrOptions as HandlerOptions<never> | undefined)) ?? {};
    validateOptions(name, handlerOptions);
    return (target, method, descriptor) => {
      assertLegacyDecorator(name, method);
      const where = `${className(target)}.${String(method)}`;
      if (typeof descriptor.value !== 'function') {
        throw new ConfigurationError(`@${name} decorates methods only, and ${where} is not a method.`);
      }
      const messageType = explicit?.messageType ?? inferType(name, target, method, where);
      addHandler(target, { method, messageType, schema: explicit?.schema, kind, match: handlerOptions.match });
    };
  };
}

/** The class or schema passed as the first argument, if one was. */
function explicitType(name: string, first: unknown): { messageType: MessageClass | string; schema: SchemaLike | undefined } | undefined {
  if (typeof first === 'function') return { messageType: first as MessageClass, schema: undefined };
  if (isSchema(first)) return { messageType: messageTypeOf(first, `@${name}(schema)`), schema: first };
  return undefined;
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
        `Pass the class explicitly: @${name}(MyMessage), and import it as a value; ` +
        `for plain-object messages (a z.infer<…> type), pass their zod schema: @${name}(MySchema).`,
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
