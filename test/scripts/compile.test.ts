import { cp, mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempRoot, removeTempRoot, REPO_ROOT, run } from '../package/consumerProject.js';

/*
 * scripts/compile.mjs, which `npm start`, `npm run example`, `bench` and `soak` run first: a first run
 * says it is compiling, a run with nothing changed skips the compiler, a change compiles again, a
 * failed compile is retried next time. Run in a scratch copy with a stand-in tsc (AGENTWIRE_TSC) that
 * counts its calls and writes the build info as tsc does.
 */

let root: string | undefined;
let dir: string;

const FAKE_TSC = `import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
mkdirSync('.out', { recursive: true });
writeFileSync('.out/tsconfig.run.tsbuildinfo', '{}');
appendFileSync('tsc-calls.log', process.argv.slice(2).join(' ') + '\\n');
process.exit(process.env.FAKE_TSC_FAIL ? 2 : 0);
`;

function compile(env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, [join(dir, 'scripts', 'compile.mjs')], dir, 30_000, { AGENTWIRE_TSC: join(dir, 'fake-tsc.mjs'), ...env });
}

async function tscCalls(): Promise<number> {
  const log = await readFile(join(dir, 'tsc-calls.log'), 'utf8').catch(() => '');
  return log.split('\n').filter(Boolean).length;
}

describe('scripts/compile.mjs (npm start and the other run scripts)', () => {
  beforeEach(async () => {
    root = await makeTempRoot('agentwire-compile-');
    dir = join(root, 'repo');
    await mkdir(join(dir, 'src'), { recursive: true });
    await cp(join(REPO_ROOT, 'scripts', 'compile.mjs'), join(dir, 'scripts', 'compile.mjs'));
    await writeFile(join(dir, 'src', 'index.ts'), 'export const a = 1;\n');
    await writeFile(join(dir, 'tsconfig.run.json'), '{}\n');
    await writeFile(join(dir, 'fake-tsc.mjs'), FAKE_TSC);
  });

  afterEach(() => removeTempRoot(root));

  it('says what it is doing on a first run, then compiles', async () => {
    const first = await compile();
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Compiling src/, examples/ and bench/ into .out/ (first run only');
    expect(await tscCalls()).toBe(1);
  });

  it('skips the compiler, silently, when no input changed since the last build', async () => {
    await compile();
    const again = await compile();
    expect(again.code).toBe(0);
    expect(again.output).toBe('');
    expect(await tscCalls()).toBe(1);
  });

  it('compiles again when a source changed, and says so', async () => {
    await compile();
    const later = new Date(Date.now() + 60_000);
    await utimes(join(dir, 'src', 'index.ts'), later, later);
    const changed = await compile();
    expect(changed.stdout).toBe('Compiling what changed into .out/…\n');
    expect(await tscCalls()).toBe(2);
  });

  it('runs the compiler again after a failed compile, which fails the script', async () => {
    const failed = await compile({ FAKE_TSC_FAIL: '1' });
    expect(failed.code).toBe(2);
    const retried = await compile();
    expect(retried.code).toBe(0);
    expect(await tscCalls()).toBe(2);
  });
});
