import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * @internal Creates KV bucket `name` unless it exists, and opens it — like `Kvm.create`, also when
 * another process created it after this one found it missing (processes that start together all
 * find it missing, and the server refuses all creations but one): then the bucket that exists is
 * opened. Any other failure is thrown as is.
 */
export async function createBucket(connection: NatsConnection, name: string, options: Partial<KvOptions>): Promise<KV> {
  const kvm = new Kvm(connection);
  try {
    return await kvm.create(name, options);
  } catch (error) {
    return kvm.open(name, options).catch(() => {
      throw error;
    });
  }
}
