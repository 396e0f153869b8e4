import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * Helpers for test/package: build and `npm pack` agentwire, install the tarball into a fresh consumer
 * project outside the repository, and compile and run programs there the way a user would.
 */

/** The repository root (the directory holding agentwire's package.json). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The consumer tsconfig documented in the README (toolchain.md §5). The consumer test uses exactly
 * this, and checks that the documentation shows exactly this (see {@link documentedConsumerTsconfigs}).
 */
export const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    types: ['node'],
    rootDir: 'src',
    outDir: 'dist',
    skipLibCheck: true,
  },
  include: ['src'],
} as const;

/**
 * What a consumer installs next to agentwire's install line for these tests: @types/node. Not TypeScript:
 * projects compile with the repository's tsc (the pinned 6.0.3 the documentation names), which spares
 * every install unpacking a 20 MB compiler; modules and types still resolve from the consumer's node_modules.
 */
export const CONSUMER_DEV_DEPENDENCIES = ['@types/node@20'] as const;

/** The repository's TypeScript compiler. */
const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

export interface RunResult {
  /** Exit code, or `null` when killed by a signal (e.g. the timeout). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout then stderr. */
  readonly output: string;
  readonly ms: number;
}

/**
 * The environment for child processes: the current one without what `npm test` exports about *this*
 * package (`npm_package_*`, `npm_lifecycle_*`, `npm_config_local_prefix`, `INIT_CWD`…), so a nested
 * `npm install` in the consumer cannot mistake the repository for its project, and without the tests'
 * `AGENTWIRE_LOG_LEVEL` (vitest.config.ts), so consumer programs log as a user's would. Registry, cache and
 * certificate settings are kept.
 */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const k = key.toLowerCase();
    if (k.startsWith('npm_package_') || k.startsWith('npm_lifecycle_')) continue;
    if (k === 'npm_config_local_prefix' || k === 'npm_command' || k === 'npm_config_call' || k === 'init_cwd') continue;
    if (key === 'AGENTWIRE_LOG_LEVEL') continue; // the tests silence the runtime's logger; a consumer's program runs as a user's does
    env[key] = value;
  }
  env.npm_config_update_notifier = 'false';
  env.NO_COLOR = '1';
  return env;
}

/**
 * Runs a command without a shell, in {@link childEnv} plus `env`, and never throws for a non-zero exit:
 * the caller asserts on the result.
 */
export function run(command: string, args: readonly string[], cwd: string, timeoutMs = 120_000, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const isWindowsNpm = process.platform === 'win32' && command === 'npm';
    const child = spawn(isWindowsNpm ? 'npm.cmd' : command, args, {
      cwd,
      env: { ...childEnv(), ...env },
      shell: isWindowsNpm,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, output: stdout + stderr, ms: Date.now() - started });
    });
  });
}

/** Like {@link run}, but throws with the full output when the command fails. */
export async function runOk(command: string, args: readonly string[], cwd: string, timeoutMs?: number): Promise<RunResult> {
  const result = await run(command, args, cwd, timeoutMs);
  if (result.code !== 0) {
    throw new Error(`\`${command} ${args.join(' ')}\` in ${cwd} exited with ${String(result.code)}:\n${result.output}`);
  }
  return result;
}

/** A fresh, empty directory under the OS temp dir (outside the repository). */
export function makeTempRoot(prefix = 'agentwire-consumer-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes a temp root; tolerant of a root that was never created. */
export async function removeTempRoot(root: string | undefined): Promise<void> {
  if (root) await rm(root, { recursive: true, force: true });
}

export interface PackedPackage {
  /** Absolute path of the `.tgz`. */
  readonly tarball: string;
  /** Paths inside the package, as `npm pack --json` lists them. */
  readonly files: readonly string[];
  /** The copy of the repository it was packed from (see {@link pack}). */
  readonly stage: string;
  readonly packMs: number;
}

/**
 * What `npm pack` needs from the repository: the package's files and what its `prepack` script reads
 * (the build's sources and tsconfigs, the package README script).
 */
const PACK_INPUTS = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'docs/consumer-setup.md', 'src', 'scripts', 'tsconfig.json', 'tsconfig.build.json'];

/**
 * `npm pack` as a maintainer runs it, from a copy of the repository in `<destination>/stage` (with the
 * repository's node_modules linked in), into `destination`. Its `prepack` builds dist/ and turns README.md
 * into the package README, and `postpack` puts it back: in the copy, so tests reading the repository's
 * README.md or dist/ meanwhile never see either half-done.
 */
export async function pack(destination: string): Promise<PackedPackage> {
  const stage = join(destination, 'stage');
  for (const input of PACK_INPUTS) await cp(join(REPO_ROOT, input), join(stage, input), { recursive: true });
  await symlink(join(REPO_ROOT, 'node_modules'), join(stage, 'node_modules'), 'junction');
  const packed = await runOk('npm', ['pack', '--json', '--pack-destination', destination], stage);
  const json = packed.stdout.slice(Math.max(0, packed.stdout.search(/^\[/m))); // after what prepack printed
  const [info] = JSON.parse(json) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error(`npm pack printed no package:\n${packed.output}`);
  return { tarball: join(destination, info.filename), files: info.files.map((f) => f.path), stage, packMs: packed.ms };
}

/** `npm publish --dry-run` of a packed stage (its dist/ is built; scripts are not run again). */
export function publishDryRun(packed: PackedPackage): Promise<RunResult> {
  return run('npm', ['publish', '--dry-run', '--ignore-scripts'], packed.stage);
}

/**
 * How a consumer installs: npm (hoisted node_modules), npm's linked layout (`--install-strategy=linked`,
 * the isolated layout pnpm makes, where code sees only what its own package.json lists), pnpm 9 and yarn 1
 * (both fetched by npx from the npm registry).
 */
export type PackageManager = 'npm' | 'npm-linked' | 'pnpm' | 'yarn';

/** The command that installs `packages` into the project in `dir` with `manager`. */
function installCommand(manager: PackageManager, packages: readonly string[]): [string, string[]] {
  switch (manager) {
    case 'npm':
      return ['npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...packages]];
    case 'npm-linked':
      return ['npm', ['install', '--install-strategy=linked', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...packages]];
    case 'pnpm':
      return ['npx', ['--yes', 'pnpm@9', 'add', '--prefer-offline', '--reporter=append-only', ...packages]];
    case 'yarn':
      return ['npx', ['--yes', 'yarn@1', 'add', '--prefer-offline', '--non-interactive', '--no-progress', ...packages]];
  }
}

export interface ConsumerProject {
  readonly dir: string;
  readonly installMs: number;
  /** Writes a file relative to the project. */
  write(path: string, content: string): Promise<void>;
  /** Writes a tsconfig file; `compilerOptions` are merged over {@link CONSUMER_TSCONFIG}, `undefined` removes an option. */
  writeTsconfig(file: string, overrides?: Record<string, unknown>): Promise<void>;
  /** Runs `tsc -p <tsconfig>` in the project (the repository's tsc, see {@link CONSUMER_DEV_DEPENDENCIES}). */
  tsc(tsconfig: string): Promise<RunResult>;
  /** Runs `node <script>` in the project. */
  node(script: string): Promise<RunResult>;
}

/** A fresh project directory `<root>/<name>` with a package.json saying `"type": "module"`, and nothing installed. */
async function emptyProject(root: string, name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: `agentwire-consumer-${name}`, version: '1.0.0', private: true, type: 'module' }, null, 2) + '\n',
  );
  return dir;
}

/**
 * Tries to install `packages` into a fresh project `<root>/<name>` with `manager`; the caller asserts on
 * the result (used for installs that must fail, and say why).
 */
export async function tryInstall(root: string, name: string, packages: readonly string[], manager: PackageManager = 'npm'): Promise<RunResult> {
  const dir = await emptyProject(root, name);
  const [command, args] = installCommand(manager, packages);
  return run(command, args, dir, 180_000);
}

/**
 * Creates `<root>/<name>` as a user would: a package.json with `"type": "module"`, then `packages`
 * installed with `manager` (e.g. the tarball, zod, tsyringe, typescript, @types/node).
 */
export async function createConsumerProject(
  root: string,
  packages: readonly string[],
  { name = 'app', manager = 'npm' }: { name?: string; manager?: PackageManager } = {},
): Promise<ConsumerProject> {
  const dir = await emptyProject(root, name);
  const [command, args] = installCommand(manager, packages);
  const install = await runOk(command, args, dir, 180_000);
  const project: ConsumerProject = {
    dir,
    installMs: install.ms,
    async write(path, content) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    },
    async writeTsconfig(file, overrides = {}) {
      const compilerOptions: Record<string, unknown> = { ...CONSUMER_TSCONFIG.compilerOptions, ...overrides };
      for (const key of Object.keys(compilerOptions)) if (compilerOptions[key] === undefined) delete compilerOptions[key];
      await project.write(file, JSON.stringify({ compilerOptions, include: CONSUMER_TSCONFIG.include }, null, 2) + '\n');
    },
    tsc(tsconfig) {
      return run(process.execPath, [TSC, '-p', tsconfig], dir);
    },
    node(script) {
      return run(process.execPath, [script], dir);
    },
  };
  return project;
}

const TSCONFIG_MARKER = '<!-- consumer-tsconfig -->';

/**
 * The consumer tsconfigs shown in the documentation: the ```json block after each
 * `<!-- consumer-tsconfig -->` marker in README.md and docs/consumer-setup.md, parsed.
 */
export async function documentedConsumerTsconfigs(): Promise<{ file: string; tsconfig: unknown }[]> {
  const found: { file: string; tsconfig: unknown }[] = [];
  for (const file of ['README.md', join('docs', 'consumer-setup.md')]) {
    let text: string;
    try {
      text = await readFile(join(REPO_ROOT, file), 'utf8');
    } catch {
      continue;
    }
    for (const part of text.split(TSCONFIG_MARKER).slice(1)) {
      const block = /^\s*```json\n([\s\S]*?)\n```/.exec(part);
      if (!block) throw new Error(`${file}: ${TSCONFIG_MARKER} must be followed by a \`\`\`json block`);
      found.push({ file, tsconfig: JSON.parse(block[1]!) });
    }
  }
  return found;
}

/** The consumer's agent program: an inferred `@messageHandler()` with `@retry` on a flaky handler. */
export function agentProgram({ explicitType = false } = {}): string {
  return `import { fileURLToPath } from 'node:url';
import { AgentId, RoutedAgent, SingleThreadedAgentRuntime, messageHandler, retry, type MessageContext } from 'agentwire';

export class ResearchQuery {
  constructor(readonly topic: string) {}
}

export class ResearchResult {
  constructor(readonly findings: string[], readonly attempts: number) {}
}

/** Fails twice, then answers: @retry turns that into one successful request. */
class FlakyResearcher extends RoutedAgent {
  private calls = 0;

  constructor() {
    super('Finds trends, after a shaky start');
  }

  @messageHandler(${explicitType ? 'ResearchQuery' : ''})
  @retry({ maxRetries: 3, baseDelay: 5, jitter: 'none' })
  async research(message: ResearchQuery, ctx: MessageContext): Promise<ResearchResult> {
    this.calls++;
    console.log(\`attempt \${ctx.attempt}: researching \${message.topic}\`);
    if (this.calls < 3) throw new Error(\`transient failure \${this.calls}\`);
    return new ResearchResult([\`\${message.topic} is trending\`], ctx.attempt);
  }
}

const runtime = new SingleThreadedAgentRuntime();
await FlakyResearcher.register(runtime, 'researcher', () => new FlakyResearcher());
runtime.start();
const result = await runtime.sendMessage<ResearchResult>(new ResearchQuery('AI agents'), new AgentId('researcher', 'default'));
await runtime.stopWhenIdle();

console.log(\`handled types: \${FlakyResearcher.handledMessageTypes().map((t) => (t as { name: string }).name).join(', ')}\`);
console.log(\`result: \${result.findings.join('; ')} (after \${result.attempts} attempts)\`);
console.log(\`agentwire loaded from: \${fileURLToPath(import.meta.resolve('agentwire'))}\`);
`;
}

/** The lines {@link agentProgram} prints when it works. */
export const EXPECTED_PROGRAM_OUTPUT = [
  'attempt 1: researching AI agents',
  'attempt 2: researching AI agents',
  'attempt 3: researching AI agents',
  'handled types: ResearchQuery',
  'result: AI agents is trending (after 3 attempts)',
];

/**
 * A program that uses agentwire's peers from the consumer's own imports: a message declared with the
 * consumer's zod (`defineMessage`) and a dependency injected with the consumer's tsyringe
 * (`@injectable()`). It compiles only if the consumer's zod is the one agentwire's types name, and
 * runs only if the consumer's tsyringe is agentwire's (one registry of injectable classes).
 */
export function peerSharingProgram(): string {
  return `import { AgentId, RoutedAgent, SingleThreadedAgentRuntime, defineMessage, messageHandler } from 'agentwire';
import { injectable } from 'tsyringe';
import * as z from 'zod';

class Draft extends defineMessage('Draft', z.object({ text: z.string().min(1) })) {}

class Llm {
  review(text: string): string {
    return \`looks good: \${text}\`;
  }
}

@injectable()
class Reviewer extends RoutedAgent {
  constructor(private readonly llm: Llm) {
    super('Reviews drafts');
  }

  @messageHandler()
  async review(draft: Draft): Promise<string> {
    return this.llm.review(draft.text);
  }
}

const runtime = new SingleThreadedAgentRuntime();
runtime.container.registerInstance(Llm, new Llm());
await Reviewer.register(runtime, 'reviewer');
runtime.start();
console.log(await runtime.sendMessage<string>(new Draft({ text: 'v1' }), new AgentId('reviewer', 'default')));
await runtime.stopWhenIdle();
try {
  new Draft({ text: '' });
} catch (error) {
  console.log((error as { code: string }).code);
}
`;
}

/** What {@link peerSharingProgram} prints. */
export const PEER_SHARING_OUTPUT = ['looks good: v1', 'MESSAGE_VALIDATION'];

/** What the README's quick start program prints. */
export const QUICK_START_OUTPUT = "[ 'AI is trending' ]";

/** What a user follows in a README: its quick start's install line, tsconfig and program. */
export interface ReadmeQuickStart {
  /** The packages of the first `npm install` line (without flags and comments), `agentwire` first. */
  readonly packages: readonly string[];
  /** The `<!-- consumer-tsconfig -->` block, parsed. */
  readonly tsconfig: unknown;
  /** The first ```ts block. */
  readonly program: string;
}

/** Reads the quick start of a README's text (the first `## Quick start` section). */
export function readmeQuickStart(readme: string): ReadmeQuickStart {
  const start = readme.indexOf('\n## Quick start\n');
  if (start < 0) throw new Error('the README has no "## Quick start" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const install = /^npm install (?!-D)([^#\n]+)/m.exec(section);
  const tsconfig = new RegExp(`${TSCONFIG_MARKER}\\s*\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``).exec(section);
  const program = /```ts\n([\s\S]*?)```/.exec(section);
  if (!install || !tsconfig || !program) throw new Error('the quick start must show an `npm install` line, a consumer tsconfig and a ```ts program');
  return {
    packages: install[1]!.trim().split(/\s+/).filter((p) => !p.startsWith('-')),
    tsconfig: JSON.parse(tsconfig[1]!),
    program: program[1]!,
  };
}

/** The relative link targets (without fragments) of a markdown text: `[text](target)` not starting with a scheme or `#`. */
export function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^(#|[a-z][a-z0-9+.-]*:)/i.test(target))
    .map((target) => target.replace(/#.*$/, ''));
}

/** A program that forgets `runtime.start()`: its request is queued and the process exits. */
export function forgotStartProgram(): string {
  return `import { AgentId, RoutedAgent, SingleThreadedAgentRuntime, TopicId, TypeSubscription, messageHandler } from 'agentwire';

class Job {
  constructor(readonly n: number) {}
}

class Worker extends RoutedAgent {
  @messageHandler()
  work(job: Job): number {
    console.log(\`working on \${job.n}\`);
    return job.n;
  }
}

const runtime = new SingleThreadedAgentRuntime();
await Worker.register(runtime, 'worker', () => new Worker());
await runtime.addSubscription(new TypeSubscription('jobs', 'worker'));
await runtime.publishMessage(new Job(1), new TopicId('jobs', '7')); // forgot runtime.start()
`;
}
