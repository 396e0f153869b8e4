import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BrokerMisconfiguredError, BrokerUnreachableError, connectNats, isAgentwireError, openJetStream } from './natsApi.js';
import { NatsServer } from './support/NatsServer.js';
import { natsSuite } from './support/natsSuite.js';

/** A loopback port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('connectNats without a server', () => {
  it('fails with BrokerUnreachableError naming the address and how to start a server', async () => {
    const url = `nats://127.0.0.1:${await closedPort()}`;
    const error: unknown = await connectNats({ servers: url, connectTimeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerUnreachableError);
    expect(isAgentwireError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'BROKER_UNREACHABLE', servers: [url] });
    expect((error as Error).message).toContain(`Cannot reach a NATS server at ${url} (connection refused`);
    expect((error as Error).message).toContain('nats-server -js');
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('names every address tried, and an unknown host too', async () => {
    const servers = ['nats://no-such-host.invalid:4222', `nats://127.0.0.1:${await closedPort()}`];
    await expect(connectNats({ servers, connectTimeoutMs: 1_000 })).rejects.toMatchObject({
      code: 'BROKER_UNREACHABLE',
      servers,
      message: expect.stringContaining(servers.join(', ')),
    });
  });
});

natsSuite('connectNats with a real server', (server) => {
  it('connects, names the connection, and opens JetStream', async () => {
    const connection = await connectNats({ servers: server().url, name: 'agentwire-test' });
    try {
      expect(connection.getServer()).toBe(`127.0.0.1:${server().port}`);
      const { manager } = await openJetStream(connection);
      expect((await manager.getAccountInfo()).streams).toBe(0);
    } finally {
      await connection.close();
    }
  });

  it('refuses a server without JetStream with BrokerMisconfiguredError saying to start it with -js', async () => {
    const plain = await NatsServer.start(undefined, { jetStream: false });
    const connection = await connectNats({ servers: plain.url });
    try {
      const error: unknown = await openJetStream(connection).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokerMisconfiguredError);
      expect(error).toMatchObject({ code: 'BROKER_MISCONFIGURED' });
      expect((error as Error).message).toContain('runs without JetStream');
      expect((error as Error).message).toContain('nats-server -js');
    } finally {
      await connection.close();
      await plain.stop();
    }
  });
});
