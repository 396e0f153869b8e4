import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { createBucket } from '../../src/nats/createBucket.js';
import { connectNats } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';

natsSuite('KV buckets created by processes that start together', (server) => {
  it('gives every process the one bucket when several create it at the same time', async () => {
    const connections = await Promise.all([1, 2, 3, 4].map((n) => connectNats({ servers: server().url, name: `starting ${n}` })));
    try {
      const name = `together_${randomUUID().slice(0, 8)}`;
      const buckets = await Promise.all(connections.flatMap((connection) => [1, 2].map(() => createBucket(connection, name, { history: 1 }))));
      await buckets[0]!.put('k', 'written by one');
      for (const bucket of buckets) expect((await bucket.get('k'))?.string()).toBe('written by one');
    } finally {
      await Promise.all(connections.map((connection) => connection.close()));
    }
  });

  it('throws the creation’s own error when the bucket cannot be created and does not exist', async () => {
    const connection = await connectNats({ servers: server().url, name: 'bad name' });
    try {
      await expect(createBucket(connection, 'not a bucket name!', { history: 1 })).rejects.toThrow(/invalid bucket name/i);
    } finally {
      await connection.close();
    }
  });
});
