import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentProgram,
  buildAndPack,
  CONSUMER_TSCONFIG,
  createConsumerProject,
  documentedConsumerTsconfigs,
  EXPECTED_PROGRAM_OUTPUT,
  makeTempRoot,
  removeTempRoot,
  REPO_ROOT,
  type ConsumerProject,
  type PackedPackage,
  type RunResult,
} from './consumerProject.js';

/*
 * agentwire as a package a user installs (issue 5): build, `npm pack`, install the tarball into a
 * fresh project outside the repository, compile a small agent program with the consumer's own tsc and
 * the documented tsconfig, run it with node. Then show that forgetting the decorator flags fails
 * loudly, naming the fix: at compile time (experimentalDecorators) or at decoration time
 * (emitDecoratorMetadata), never by silent misrouting.
 *
 * One install is shared by all cases; each case has its own tsconfig and outDir. Needs the npm
 * registry (or a warm npm cache) for typescript and @types/node.
 */

const SETUP_TIMEOUT = 240_000;
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
const compiles = new Map<Variant, Promise<RunResult>>();

/** Compiles the consumer with one tsconfig variant, once (cases that share a variant share the result). */
function compile(variant: Variant): Promise<RunResult> {
  let result = compiles.get(variant);
  if (!result) {
    result = project.tsc(TSCONFIGS[variant].file);
    compiles.set(variant, result);
  }
  return result;
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

describe('agentwire as an installed package', () => {
  beforeAll(async () => {
    root = await makeTempRoot();
    packed = await buildAndPack(root);
    project = await createConsumerProject(root, packed.tarball);
    await project.write('src/main.ts', agentProgram());
    await project.write('src/explicit.ts', agentProgram({ explicitType: true }));
    for (const { file, overrides } of Object.values(TSCONFIGS)) await project.writeTsconfig(file, overrides);
    // Start every compile now, side by side (tsc is mostly type-checking @types/node); cases await theirs.
    for (const variant of Object.keys(TSCONFIGS) as Variant[]) compile(variant).catch(() => {});
    console.log(
      `[consumer] build ${packed.buildMs} ms, pack ${packed.packMs} ms, install ${project.installMs} ms, ` +
        `${packed.files.length} files in ${packed.tarball}`,
    );
  }, SETUP_TIMEOUT);

  afterAll(async () => {
    await Promise.allSettled(compiles.values()); // no tsc still writing into the directory being removed
    await removeTempRoot(root);
  });

  it('packs dist/ with the entry point and its types, the sources its maps point to, and no tests', () => {
    expect(packed.files).toContain('package.json');
    expect(packed.files).toContain('dist/index.js');
    expect(packed.files).toContain('dist/index.d.ts');
    const outsideDist = packed.files.filter((f) => !f.startsWith('dist/') && !f.startsWith('src/'));
    expect(outsideDist.filter((f) => !/^(package\.json|README\.md|LICENSE(\.\w+)?|CHANGELOG\.md)$/i.test(f))).toEqual([]);
    expect(packed.files.filter((f) => /\.test\.|\.tsbuildinfo$|^test\//.test(f))).toEqual([]);
  });

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
});
