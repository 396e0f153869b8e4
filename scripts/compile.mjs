// Compiles src/, examples/ and bench/ into .out/ for `npm start`, `npm run example`, `npm run bench` and
// `npm run soak`. tsc runs incrementally (its build info is .out/tsconfig.run.tsbuildinfo), and not at all
// when no input changed since the last build, so only a first run waits for the compiler, and says so.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUILD_INFO = join(ROOT, '.out', 'tsconfig.run.tsbuildinfo');
const INPUT_DIRS = ['src', 'examples', 'bench'];
const INPUT_FILES = ['tsconfig.json', 'tsconfig.run.json', 'package-lock.json'];

/** The newest modification time among the TypeScript inputs and the files that configure them. */
function newestInput() {
  let newest = 0;
  const visit = (path) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== 'node_modules' && entry !== 'results') visit(join(path, entry));
    } else if (path.endsWith('.ts') || INPUT_FILES.some((file) => path === join(ROOT, file))) {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const dir of INPUT_DIRS) visit(join(ROOT, dir));
  for (const file of INPUT_FILES) visit(join(ROOT, file));
  return newest;
}

const built = statSync(BUILD_INFO, { throwIfNoEntry: false });
if (built && built.mtimeMs >= newestInput()) process.exit(0);

process.stdout.write(
  existsSync(BUILD_INFO)
    ? 'Compiling what changed into .out/…\n'
    : 'Compiling src/, examples/ and bench/ into .out/ (first run only; later runs compile what changed)…\n',
);
const tsc = process.env.AGENTWIRE_TSC ?? join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'); // a stand-in in tests
const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.run.json')], { cwd: ROOT, stdio: 'inherit' });
// tsc leaves its build info alone when nothing it emits changed, and writes it even after errors: stamp it
// now after a success, and back-date it after a failure, so the next run skips tsc only when it may.
if (existsSync(BUILD_INFO)) {
  const stamp = result.status === 0 ? new Date() : new Date(0);
  utimesSync(BUILD_INFO, stamp, stamp);
}
process.exit(result.status ?? 1);
