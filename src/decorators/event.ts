import type { HandlerDecoratorFactory } from './HandlerDecoratorFactory.js';
import { handlerDecorator } from './handlerDecorator.js';

/**
 * Like {@link messageHandler}, but the handler sees only published messages (never direct sends).
 *
 * @example
 * ```ts
 * @event()
 * onAlert(message: Alert): void { this.alerts.push(message); }
 * ```
 */
export const event: HandlerDecoratorFactory = handlerDecorator('event', 'event') as HandlerDecoratorFactory;
