import { MsgHdrsImpl, type MsgHdrs } from '@nats-io/transport-node';

/**
 * @internal Sets header `name` (agentwire's and NATS's own names, canonical already) to `value` on
 * headers to send: the value checked as the client checks it (no CR or LF, trimmed), without the
 * client's scans of the names already set (a request carries eight headers, on every call).
 *
 * @throws the client's `InvalidArgumentError` when the value contains CR or LF.
 */
export function putHeader(headers: MsgHdrs, name: string, value: string): void {
  if (headers instanceof MsgHdrsImpl) headers.headers.set(name, [MsgHdrsImpl.validHeaderValue(value)]);
  else headers.set(name, value);
}
