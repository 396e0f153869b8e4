import type { NatsConnection, Subscription } from '@nats-io/transport-node';

/**
 * @internal Cancellation across processes (distributed.md §5.4): a caller whose signal aborts
 * publishes the request id on `agent.ctl.cancel` (core NATS, at most once); every process listens,
 * and the one serving that request aborts it (its handler's `ctx.signal`). A cancel that reaches
 * nobody — the request was not pulled yet — changes nothing: the caller has settled, and the
 * answer, when there is one, is dropped.
 */
export const requestCancels = {
  subject: 'agent.ctl.cancel',

  /** Asks whichever process serves `requestId` to cancel it. */
  publish(connection: NatsConnection, requestId: string): void {
    connection.publish(requestCancels.subject, requestId);
  },

  /** Calls `cancel` with each cancelled request id. */
  subscribe(connection: NatsConnection, cancel: (requestId: string) => void): Subscription {
    return connection.subscribe(requestCancels.subject, {
      callback: (error, message) => {
        if (error === null) cancel(message.string());
      },
    });
  },
} as const;
