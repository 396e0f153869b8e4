import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findNatsServer, missingServerMessage, natsSuiteMode, NATS_INSTALL_COMMAND, NatsServer, reapOrphans, REGISTRY } from './support/NatsServer.js';
import { natsSuite } from './support/natsSuite.js';

/** Whether a process with this PID exists (a zombie child counts until reaped by Node). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the NATS test harness: when suites run, skip or fail', () => {
  it('runs when the binary is found, skips locally without it, and fails in CI without it', () => {
    expect(natsSuiteMode('/usr/sbin/nats-server', {})).toBe('run');
    expect(natsSuiteMode('/usr/sbin/nats-server', { CI: 'true' })).toBe('run');
    expect(natsSuiteMode(undefined, {})).toBe('skip');
    expect(natsSuiteMode(undefined, { CI: 'true' })).toBe('fail');
  });

  it('names the install command when the binary is missing', () => {
    expect(missingServerMessage('cluster')).toContain(NATS_INSTALL_COMMAND);
    expect(NATS_INSTALL_COMMAND).toBe('apt-get update && apt-get install -y nats-server');
  });

  it('takes the binary from $NATS_SERVER when set', () => {
    expect(findNatsServer({ NATS_SERVER: '/opt/nats/nats-server', PATH: '' })).toBe('/opt/nats/nats-server');
  });

  it('rejects with the log when the server exits before it is ready', async () => {
    await expect(NatsServer.start('/bin/false')).rejects.toThrow(/nats-server exited \(code 1, signal null\) before it was ready/);
  });
});

natsSuite('the NATS test harness: a real server', (server) => {
  it('listens on the port it chose and logged, not a fixed one', () => {
    expect(server().port).toBeGreaterThan(0);
    expect(server().output).toContain(`Listening for client connections on 127.0.0.1:${server().port}`);
    expect(server().url).toBe(`nats://127.0.0.1:${server().port}`);
    expect(server().output).toContain(`Store Directory: "${join(server().storeDir, 'jetstream')}"`);
  });

  it('starts a second server on another port, stops it by its PID and deletes its store', async () => {
    const other = await NatsServer.start();
    expect(other.port).not.toBe(server().port);
    expect(existsSync(join(REGISTRY, `${other.pid}.json`))).toBe(true);
    await other.stop();
    expect(isRunning(other.pid)).toBe(false);
    expect(existsSync(other.storeDir)).toBe(false);
    expect(existsSync(join(REGISTRY, `${other.pid}.json`))).toBe(false);
  });

  it('kills the servers of a test run that died without stopping them, and deletes their stores', async () => {
    const orphan = await NatsServer.start();
    const deadOwner = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const entry = join(REGISTRY, `${orphan.pid}.json`);
    writeFileSync(entry, JSON.stringify({ ...JSON.parse(readFileSync(entry, 'utf8')), owner: Number(deadOwner) }));

    expect(reapOrphans()).toBeGreaterThanOrEqual(1);
    expect(existsSync(orphan.storeDir)).toBe(false);
    await orphan.stop(); // waits for the exit the reaper caused; the store is already gone
    expect(isRunning(orphan.pid)).toBe(false);
    expect(existsSync(entry)).toBe(false);
    expect(isRunning(server().pid)).toBe(true); // a live owner's server is left alone
  });
});
