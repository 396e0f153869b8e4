import { execFileSync } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentProgram,
  forgotStartProgram,
  CONSUMER_DEV_DEPENDENCIES,
  CONSUMER_TSCONFIG,
  createConsumerProject,
  documentedConsumerTsconfigs,
  EXPECTED_PROGRAM_OUTPUT,
  PEER_SHARING_OUTPUT,
  peerSharingProgram,
  makeTempRoot,
  pack,
  publishDryRun,
  QUICK_START_OUTPUT,
  readmeQuickStart,
  relativeLinks,
  removeTempRoot,
  REPO_ROOT,
  tryInstall,
  type ConsumerProject,
  type PackageManager,
  type PackedPackage,
  type ReadmeQuickStart,
  type RunResult,
} from './consumerProject.js';

/*
 * agentwire as a package a user installs (issues 5 and 13): `npm pack` (its prepack builds dist/ and
 * makes the package README), install the tarball into fresh projects outside the repository, compile
 * agent programs with tsc and the documented tsconfig, run them with node. Then show that forgetting the
 * decorator flags fails loudly, naming the fix: at compile time (experimentalDecorators) or at decoration
 * time (emitDecoratorMetadata), never by silent misrouting.
 *
 * The README is followed as a user follows it: the packed README's install line, tsconfig and quick
 * start, with npm, npm's linked layout (pnpm's: only declared packages are visible), pnpm 9 and yarn 1,
 * all installing side by side. The npm project is shared by the tsconfig cases; each has its own
 * tsconfig and outDir. Needs the npm registry (or warm caches) for the peers, typescript, @types/node,
 * pnpm and yarn.
 */

const SETUP_TIMEOUT = 240_000;
/** Installs that other cases do not wait for (the other package managers, the zod 3 project). */
const INSTALL_TIMEOUT = 200_000;
const CASE_TIMEOUT = 120_000;

/** The tsconfig variants, all over the same sources (src/main.ts infers, src/explicit.ts passes the class). */
const TSCONFIGS = {
  recommended: { file: 'tsconfig.json', overrides: {} },
  noExperimental: { file: 'tsconfig.no-experimental.json', overrides: { experimentalDecorators: false, outDir: 'dist-no-experimental' } },
  noFlags: {
    file: 'tsconfig.no-flags.json',
    overrides: { experimentalDecorators: undefined, emitDecoratorMetadata: undefined, outDir: 'dist-no-flags' },
  },
  noMetadata: { file: 'tsconfig.no-metadata.json', overrides: { emitDecoratorMetadata: false, outDir: 'dist-no-metadata' } },
} as const;
type Variant = keyof typeof TSCONFIGS;

let root: string | undefined;
let packed: PackedPackage;
let project: ConsumerProject;
/** The packed README's quick start (install line, tsconfig, program). */
let quickStart: ReadmeQuickStart;
const compiles = new Map<Variant, Promise<RunResult>>();
/** The README's quick start and the peer-sharing program, installed, compiled and run with each package manager but npm. */
const followers = new Map<PackageManager, Promise<{ install: number; compile: RunResult; quickStart: RunResult; peers: RunResult }>>();
let zod3Install: Promise<RunResult>;
let dryRun: Promise<RunResult>;

/** Compiles the consumer with one tsconfig variant, once (cases that share a variant share the result). */
function compile(variant: Variant): Promise<RunResult> {
  let result = compiles.get(variant);
  if (!result) {
    result = project.tsc(TSCONFIGS[variant].file);
    compiles.set(variant, result);
  }
  return result;
}

/** The packages of the README's install line, with the tarball for `agentwire`. */
function readmePackages(): string[] {
  return quickStart.packages.map((p) => (p === 'agentwire' ? packed.tarball : p));
}

/**
 * Follows the packed README with `manager`: installs its packages (and @types/node), writes its
 * tsconfig and quick start, compiles, runs.
 */
async function follow(manager: PackageManager) {
  const follower = await createConsumerProject(root!, [...readmePackages(), ...CONSUMER_DEV_DEPENDENCIES], { name: manager, manager });
  await follower.write('tsconfig.json', JSON.stringify(quickStart.tsconfig, null, 2));
  await follower.write('src/main.ts', quickStart.program);
  await follower.write('src/peers.ts', peerSharingProgram());
  const compiled = await follower.tsc('tsconfig.json');
  const [ranQuickStart, ranPeers] = await Promise.all([follower.node('dist/main.js'), follower.node('dist/peers.js')]);
  return { install: follower.installMs, compile: compiled, quickStart: ranQuickStart, peers: ranPeers };
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

/** A text file of the installed package. */
function shipped(path: string): Promise<string> {
  return readFile(join(project.dir, 'node_modules', 'agentwire', path), 'utf8');
}

describe('agentwire as an installed package', () => {
  beforeAll(async () => {
    root = await makeTempRoot();
    packed = await pack(root);
    const readme = execFileSync('tar', ['-xzOf', packed.tarball, 'package/README.md'], { encoding: 'utf8' });
    quickStart = readmeQuickStart(readme);
    // Everything that does not need the npm project starts now and runs beside it; cases await theirs.
    dryRun = publishDryRun(packed);
    zod3Install = tryInstall(root, 'zod3', [packed.tarball, 'zod@3', 'tsyringe']);
    for (const manager of ['npm-linked', 'pnpm', 'yarn'] as const) followers.set(manager, follow(manager));
    for (const pending of [dryRun, zod3Install, ...followers.values()]) pending.catch(() => {});

    project = await createConsumerProject(root, [...readmePackages(), ...CONSUMER_DEV_DEPENDENCIES]);
    await project.write('src/main.ts', agentProgram());
    await project.write('src/explicit.ts', agentProgram({ explicitType: true }));
    await project.write('src/quickstart.ts', quickStart.program);
    await project.write('src/peers.ts', peerSharingProgram());
    await project.write('src/forgot-start.ts', forgotStartProgram());
    for (const { file, overrides } of Object.values(TSCONFIGS)) await project.writeTsconfig(file, overrides);
    // Start every compile now, side by side (tsc is mostly type-checking @types/node); cases await theirs.
    for (const variant of Object.keys(TSCONFIGS) as Variant[]) compile(variant).catch(() => {});
    console.log(`[consumer] pack ${packed.packMs} ms, npm install ${project.installMs} ms, ${packed.files.length} files in ${packed.tarball}`);
  }, SETUP_TIMEOUT);

  afterAll(async () => {
    // no tsc or install still writing into the directory being removed
    await Promise.allSettled([...compiles.values(), ...followers.values(), zod3Install, dryRun]);
    await removeTempRoot(root);
  }, INSTALL_TIMEOUT);

  it('packs dist/ with the entry point and its types, the sources its maps point to, and no tests', () => {
    expect(packed.files).toContain('package.json');
    expect(packed.files).toContain('dist/index.js');
    expect(packed.files).toContain('dist/index.d.ts');
    const outsideDist = packed.files.filter((f) => !f.startsWith('dist/') && !f.startsWith('src/'));
    expect(outsideDist.filter((f) => !/^(package\.json|README\.md|LICENSE(\.\w+)?|CHANGELOG\.md|docs\/consumer-setup\.md)$/i.test(f))).toEqual([]);
    expect(packed.files.filter((f) => /\.test\.|\.tsbuildinfo$|^test\//.test(f))).toEqual([]);
  });

  it('ships agentwire/nats as a subpath with its types; without the optional NATS peers it installs and agentwire runs, and only agentwire/nats asks for them', async () => {
    expect(packed.files).toContain('dist/nats/index.js');
    expect(packed.files).toContain('dist/nats/index.d.ts');
    const manifest = JSON.parse(await shipped('package.json')) as { exports: Record<string, unknown> };
    expect(manifest.exports['./nats']).toEqual({ types: './dist/nats/index.d.ts', default: './dist/nats/index.js' });

    await project.write(
      'nats-probe.mjs',
      [
        "const core = await import('agentwire');",
        "console.log('agentwire:', typeof core.SingleThreadedAgentRuntime);",
        "try { await import('agentwire/nats'); console.log('agentwire/nats: loaded'); }",
        "catch (e) { console.log('agentwire/nats:', e.code, /@nats-io\\//.test(e.message)); }",
      ].join('\n'),
    );
    const ran = await project.node('nats-probe.mjs');
    expect(ran.stderr).toBe('');
    expect(lines(ran.stdout)).toEqual(['agentwire: function', 'agentwire/nats: ERR_MODULE_NOT_FOUND true']);
  }, CASE_TIMEOUT);

  it('compiles with the documented tsconfig and runs: inferred handler, retry, sendMessage', async () => {
    const compiled = await compile('recommended');
    expect(compiled.output).toBe('');
    expect(compiled.code).toBe(0);

    const ran = await project.node('dist/main.js');
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const output = lines(ran.stdout);
    expect(output.slice(0, EXPECTED_PROGRAM_OUTPUT.length)).toEqual(EXPECTED_PROGRAM_OUTPUT);

    // The consumer resolved agentwire through the installed tarball, not the repository.
    const loadedFrom = output.find((l) => l.startsWith('agentwire loaded from: '))?.slice('agentwire loaded from: '.length);
    expect(loadedFrom).toBe(await realpath(join(project.dir, 'node_modules', 'agentwire', 'dist', 'index.js')));
    expect(loadedFrom?.startsWith(REPO_ROOT)).toBe(false);
  }, CASE_TIMEOUT);

  it('warns on exit about a message queued in a runtime the program forgot to start', async () => {
    const compiled = await compile('recommended');
    expect(compiled.code).toBe(0);
    const ran = await project.node('dist/forgot-start.js');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toContain('agentwire: the process is exiting with 1 message(s) queued in a runtime that was never started: call runtime.start()');
  }, CASE_TIMEOUT);

  it('fails to compile with experimentalDecorators: false, naming the option', async () => {
    const compiled = await compile('noExperimental');
    expect(compiled.code).not.toBe(0);
    expect(compiled.output).toContain(
      "error TS5052: Option 'emitDecoratorMetadata' cannot be specified without specifying option 'experimentalDecorators'.",
    );
  }, CASE_TIMEOUT);

  it('fails to compile when both decorator flags are left out (TC39 decorators): TS1241', async () => {
    const compiled = await compile('noFlags');
    expect(compiled.code).not.toBe(0);
    expect(compiled.output).toContain('error TS1241: Unable to resolve signature of method decorator when called as an expression.');
    expect(compiled.output).toContain('The runtime will invoke the decorator with 2 arguments, but the decorator expects 3.');
  }, CASE_TIMEOUT);

  it('compiles without emitDecoratorMetadata but fails at decoration time with a ConfigurationError naming the fix', async () => {
    const compiled = await compile('noMetadata');
    expect(compiled.output).toBe('');
    expect(compiled.code).toBe(0);

    const ran = await project.node('dist-no-metadata/main.js');
    expect(ran.code).not.toBe(0);
    expect(ran.stdout).toBe(''); // the handler never ran: no misrouting, nothing half-done
    expect(ran.stderr).toContain(
      'ConfigurationError: @messageHandler() cannot infer the message type of FlakyResearcher.research: no decorator metadata was emitted.',
    );
    expect(ran.stderr).toContain('"emitDecoratorMetadata"');
    expect(ran.stderr).toContain('@messageHandler(MyMessage)');
    expect(ran.stderr).toContain("code: 'CONFIGURATION'");
  }, CASE_TIMEOUT);

  it('runs without emitDecoratorMetadata when the message class is passed explicitly: @messageHandler(ResearchQuery)', async () => {
    const compiled = await compile('noMetadata');
    expect(compiled.code).toBe(0);

    const ran = await project.node('dist-no-metadata/explicit.js');
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(lines(ran.stdout).slice(0, EXPECTED_PROGRAM_OUTPUT.length)).toEqual(EXPECTED_PROGRAM_OUTPUT);
  }, CASE_TIMEOUT);

  it('documents exactly the tsconfig this test uses', async () => {
    const documented = await documentedConsumerTsconfigs();
    expect(documented.length, 'README.md or docs/consumer-setup.md must mark its consumer tsconfig with <!-- consumer-tsconfig -->').toBeGreaterThan(0);
    for (const { tsconfig } of documented) expect(tsconfig).toEqual(CONSUMER_TSCONFIG);
  });
  it('ships a README that opens with what a consumer does: install, tsconfig, a program', async () => {
    const readme = await shipped('README.md');
    const opening = readme.slice(0, readme.indexOf('```ts'));
    expect(opening).toMatch(/^npm install agentwire /m);
    expect(opening).toContain('"experimentalDecorators": true');
    expect(opening).toContain('"emitDecoratorMetadata": true');
    expect(opening.split('\n').length).toBeLessThan(50);
    expect(readme).not.toContain('npm install && npm start'); // the repository's commands stay in the repository
    expect(quickStart.packages[0]).toBe('agentwire');
    expect(quickStart.tsconfig).toEqual(CONSUMER_TSCONFIG);
  });

  it('ships every file its markdown links to, and links elsewhere into the repository', async () => {
    const markdown = packed.files.filter((f) => f.endsWith('.md'));
    expect(markdown).toEqual(expect.arrayContaining(['README.md', 'CHANGELOG.md', 'docs/consumer-setup.md']));
    for (const file of markdown) {
      const text = await shipped(file);
      for (const target of relativeLinks(text)) {
        expect(packed.files, `${file} links to ${target}`).toContain(join(file, '..', target).replaceAll('\\', '/'));
      }
    }
    expect(await shipped('README.md')).toContain('](https://github.com/agentwire/agentwire/blob/main/bench/README.md)');
  });

  it('declares zod and tsyringe as peers, OpenTelemetry and the NATS clients as optional peers, reflect-metadata, eventemitter3 and uuid (the UUIDv7 ids of requests across processes) as dependencies, all with ranges', async () => {
    const manifest = JSON.parse(await shipped('package.json')) as Record<string, Record<string, string> | undefined>;
    expect(manifest.peerDependencies).toEqual({
      '@nats-io/jetstream': '^3.4.0',
      '@nats-io/kv': '^3.4.0',
      '@nats-io/transport-node': '^3.4.0',
      '@opentelemetry/api': '^1.9.0',
      tsyringe: '^4.8.0',
      zod: '^4.0.0',
    });
    const optional = Object.entries(manifest.peerDependenciesMeta ?? {}).filter(([, meta]) => (meta as unknown as { optional?: boolean }).optional === true);
    expect(optional.map(([name]) => name).sort()).toEqual(['@nats-io/jetstream', '@nats-io/kv', '@nats-io/transport-node', '@opentelemetry/api']);
    expect(manifest.dependencies).toEqual({ eventemitter3: '^5.0.4', 'reflect-metadata': '^0.2.2', uuid: '^14.0.3' });
    expect(manifest.repository).toEqual({ type: 'git', url: 'git+https://github.com/agentwire/agentwire.git' });
    expect(manifest.bugs).toEqual({ url: 'https://github.com/agentwire/agentwire/issues' });
  });

  it('runs the README quick start, and a program using zod and tsyringe as agentwire does, installed with npm as the README says', async () => {
    const compiled = await compile('recommended');
    expect(compiled.output).toBe('');
    const [ranQuickStart, ranPeers] = await Promise.all([project.node('dist/quickstart.js'), project.node('dist/peers.js')]);
    expect(ranQuickStart.stderr).toBe('');
    expect(ranQuickStart.stdout.trim()).toBe(QUICK_START_OUTPUT);
    expect(ranPeers.stderr).toBe('');
    expect(lines(ranPeers.stdout)).toEqual(PEER_SHARING_OUTPUT);
  }, CASE_TIMEOUT);

  it.each(['npm-linked', 'pnpm', 'yarn'] as const)(
    'installs with %s as the README says, compiles and runs the quick start and a program sharing zod and tsyringe with agentwire',
    async (manager) => {
      const result = await followers.get(manager)!;
      console.log(`[consumer] ${manager}: install ${result.install} ms, tsc ${result.compile.ms} ms`);
      expect(result.compile.output).toBe('');
      expect(result.compile.code).toBe(0);
      expect(result.quickStart.stderr).toBe('');
      expect(result.quickStart.stdout.trim()).toBe(QUICK_START_OUTPUT);
      expect(result.peers.stderr).toBe('');
      expect(lines(result.peers.stdout)).toEqual(PEER_SHARING_OUTPUT);
    },
    INSTALL_TIMEOUT,
  );

  it('refuses to install into a zod 3 project, naming the zod 4 peer', async () => {
    const installed = await zod3Install;
    expect(installed.code).not.toBe(0);
    expect(installed.stderr).toContain('ERESOLVE');
    expect(installed.stderr).toMatch(/Found: zod@3\./);
    expect(installed.stderr).toContain('peer zod@"^4.0.0" from agentwire@');
  }, INSTALL_TIMEOUT);

  it('publishes cleanly: `npm publish --dry-run` warns of nothing but the missing login', async () => {
    const published = await dryRun;
    expect(published.code).toBe(0);
    const warnings = lines(published.stderr).filter((l) => /\bwarn/i.test(l) && !/requires you to be logged in/.test(l));
    expect(warnings).toEqual([]);
    expect(published.stderr).toContain('README.md');
    expect(published.stderr).toContain('docs/consumer-setup.md');
  }, CASE_TIMEOUT);
});
