// The README shipped in the package, made from the repository's README.md at pack time.
//
// The repository's README opens with the repository's own commands (`npm install && npm start`,
// `npm test`); a user of the package needs `npm install agentwire`, the tsconfig and a program first.
// So `npm pack` / `npm publish` ship README.md with its opening command block dropped and its
// "## Quick start" section moved right under the title; links to files the package does not ship
// point at the repository on GitHub. One text, two openings: nothing is written twice.
//
//   node scripts/packageReadme.mjs prepack    README.md → .out/README.repository.md, package README → README.md
//   node scripts/packageReadme.mjs postpack   .out/README.repository.md → README.md
//   node scripts/packageReadme.mjs print      the package README on stdout (touches nothing)
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const README = join(ROOT, 'README.md');
const SAVED = join(ROOT, '.out', 'README.repository.md');
/** Ends every generated README, so an interrupted pack is recognised and undone by the next one. */
const MARKER = '<!-- package README: made from the repository README.md by scripts/packageReadme.mjs -->';
const QUICK_START = '## Quick start';

/** The repository's web address (package.json `homepage` without the fragment). */
function repositoryUrl(pkg) {
  return pkg.homepage.replace(/#.*$/, '');
}

/** Whether `path` (relative to the package root) is shipped: README, LICENSE, package.json, or under `files`. */
function isShipped(path, pkg) {
  if (/^(README|LICEN[CS]E|package\.json)/i.test(path)) return true;
  return pkg.files.some((entry) => path === entry || path.startsWith(entry.replace(/\/$/, '') + '/'));
}

/** Rewrites relative links to files the package does not ship as links into the repository. */
function resolveLinks(markdown, pkg) {
  return markdown.replace(/\]\(([^)\s]+)\)/g, (link, target) => {
    if (/^(#|[a-z][a-z0-9+.-]*:)/i.test(target)) return link;
    const path = target.replace(/^\.\//, '');
    if (isShipped(path.replace(/#.*$/, ''), pkg)) return link;
    return `](${repositoryUrl(pkg)}/blob/main/${path})`;
  });
}

/**
 * The package README: the title, the package's description, the Quick start, then the rest of README.md as it is, without the
 * repository's opening command block.
 */
export function packageReadme(readme, pkg) {
  const [title, ...rest] = readme.split('\n');
  let body = rest.join('\n').replace(/^\s*```bash\n[\s\S]*?\n```\n/, '');
  const start = body.indexOf(`\n${QUICK_START}\n`);
  if (!title.startsWith('# ') || start < 0) throw new Error(`README.md must start with a "# " title and have a "${QUICK_START}" section`);
  const next = body.indexOf('\n## ', start + 1);
  const quickStart = body.slice(start + 1, next < 0 ? undefined : next + 1);
  body = body.slice(0, start + 1) + (next < 0 ? '' : body.slice(next + 1));
  const repositoryNote =
    `The examples (\`examples/\`), the demo (\`npm start\`), the benchmarks (\`npm run bench\`, \`npm run soak\`) and the ` +
    `tests that this README mentions live in [the repository](${repositoryUrl(pkg)}), not in the package.`;
  return resolveLinks(`${title}\n\n${pkg.description}\n\n${quickStart.trimEnd()}\n\n## About\n\n${repositoryNote}\n\n${body.trim()}\n\n${MARKER}\n`, pkg);
}

/** Puts back a README.md saved by an earlier prepack that no postpack followed. */
function restore() {
  if (existsSync(SAVED)) renameSync(SAVED, README);
}

function prepack() {
  if (readFileSync(README, 'utf8').includes(MARKER)) restore();
  const readme = readFileSync(README, 'utf8');
  if (readme.includes(MARKER)) throw new Error('README.md is a generated package README and no saved original exists: git checkout README.md');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  mkdirSync(dirname(SAVED), { recursive: true });
  writeFileSync(SAVED, readme);
  writeFileSync(README, packageReadme(readme, pkg));
}

const command = import.meta.url === pathToFileURL(process.argv[1] ?? '').href ? process.argv[2] : undefined;
if (command === 'prepack') prepack();
else if (command === 'postpack') restore();
else if (command === 'print') {
  process.stdout.write(packageReadme(readFileSync(README, 'utf8'), JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))));
} else if (command !== undefined) {
  throw new Error(`usage: node scripts/packageReadme.mjs prepack | postpack | print (got ${command})`);
}
