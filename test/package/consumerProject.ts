import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
} as const;

/** Versions a consumer installs next to agentwire. */
export const CONSUMER_DEV_DEPENDENCIES = ['typescript@6.0.3', '@types/node@20'] as const;

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
 * `npm install` in the consumer cannot mistake the repository for its project. Registry, cache and
 * certificate settings are kept.
 */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const k = key.toLowerCase();
    if (k.startsWith('npm_package_') || k.startsWith('npm_lifecycle_')) continue;
    if (k === 'npm_config_local_prefix' || k === 'npm_command' || k === 'npm_config_call' || k === 'init_cwd') continue;
    env[key] = value;
  }
  env.npm_config_update_notifier = 'false';
  env.NO_COLOR = '1';
  return env;
}

/** Runs a command without a shell and never throws for a non-zero exit: the caller asserts on the result. */
export function run(command: string, args: readonly string[], cwd: string, timeoutMs = 120_000): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const isWindowsNpm = process.platform === 'win32' && command === 'npm';
    const child = spawn(isWindowsNpm ? 'npm.cmd' : command, args, {
      cwd,
      env: childEnv(),
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
  readonly buildMs: number;
  readonly packMs: number;
}

/** `npm run build` in the repository, then `npm pack` into `destination` (never into the repository). */
export async function buildAndPack(destination: string): Promise<PackedPackage> {
  const build = await runOk('npm', ['run', 'build'], REPO_ROOT);
  const pack = await runOk('npm', ['pack', '--json', '--pack-destination', destination], REPO_ROOT);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error(`npm pack printed no package:\n${pack.output}`);
  return {
    tarball: join(destination, info.filename),
    files: info.files.map((f) => f.path),
    buildMs: build.ms,
    packMs: pack.ms,
  };
}

export interface ConsumerProject {
  readonly dir: string;
  readonly installMs: number;
  /** Writes a file relative to the project. */
  write(path: string, content: string): Promise<void>;
  /** Writes a tsconfig file; `compilerOptions` are merged over {@link CONSUMER_TSCONFIG}, `undefined` removes an option. */
  writeTsconfig(file: string, overrides?: Record<string, unknown>): Promise<void>;
  /** Runs the consumer's own `tsc -p <tsconfig>`. */
  tsc(tsconfig: string): Promise<RunResult>;
  /** Runs `node <script>` in the project. */
  node(script: string): Promise<RunResult>;
}

/**
 * Creates `<root>/app` as a user would: a package.json with `"type": "module"`, then
 * `npm install <tarball> typescript@6.0.3 @types/node@20`.
 */
export async function createConsumerProject(root: string, tarball: string): Promise<ConsumerProject> {
  const dir = join(root, 'app');
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'agentwire-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2) + '\n',
  );
  const install = await runOk(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...CONSUMER_DEV_DEPENDENCIES],
    dir,
  );
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
      await project.write(file, JSON.stringify({ compilerOptions }, null, 2) + '\n');
    },
    tsc(tsconfig) {
      return run(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig], dir);
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
