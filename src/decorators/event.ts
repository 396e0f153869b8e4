import type { HandlerOptions, MessageClass } from './HandlerDeclaration.js';
import { handlerDecorator } from './handlerDecorator.js';

const decorate = handlerDecorator('event', 'event');

/**
 * Like {@link messageHandler}, but the handler sees only published messages (never direct sends).
 *
 * @example
 * ```ts
 * @event()
 * onAlert(message: Alert): void { this.alerts.push(message); }
 * ```
 */
export function event(options?: HandlerOptions<never>): MethodDecorator;
export function event<T>(messageType: MessageClass<T>, options?: HandlerOptions<T>): MethodDecorator;
export function event(typeOrOptions?: MessageClass | HandlerOptions<never>, options?: HandlerOptions<never>): MethodDecorator {
  return decorate(typeOrOptions, options);
}
