import { EchoAgent, Ping } from '../agents.js';
import { MailboxAddress } from './MailboxAddress.js';
import { MailboxDispatcher, type MailboxOptions } from './MailboxDispatcher.js';

/** A baseline dispatcher with `keys` echo agents (`EchoAgent` instances, called like agentwire calls them). */
export function echoBaseline(keys = 1, options: MailboxOptions = {}): { dispatcher: MailboxDispatcher; addresses: MailboxAddress[] } {
  const dispatcher = new MailboxDispatcher();
  const addresses: MailboxAddress[] = [];
  for (let k = 0; k < keys; k++) {
    const address = new MailboxAddress('echo', keys === 1 ? 'default' : `k${k}`);
    const agent = new EchoAgent();
    dispatcher.register(address, Ping, (m: Ping) => agent.onPing(m), options);
    addresses.push(address);
  }
  return { dispatcher, addresses };
}
