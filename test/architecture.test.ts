import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The shape of `src/` (README, "Architecture"): folders import downward only, and no file takes
 * part in an import cycle (type-only imports included). A new import that breaks either fails here
 * with the offending files named, so the layering cannot erode unnoticed.
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** What each folder may import, besides itself. Lower layers first. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  util: [],
  errors: ['util'],
  results: [],
  policies: ['util', 'errors'],
  core: ['util', 'errors', 'results', 'policies'],
  messages: ['util', 'errors', 'core'],
  handshake: ['errors', 'core'],
  protocol: ['util', 'errors', 'results', 'core', 'messages'],
  decorators: ['util', 'errors', 'policies', 'core', 'messages'],
  agents: ['util', 'errors', 'policies', 'core', 'messages', 'handshake', 'decorators'],
  tracing: ['util', 'errors', 'core'],
  stats: ['util', 'errors', 'policies', 'core', 'tracing'],
  runtime: ['util', 'errors', 'results', 'policies', 'core', 'messages', 'handshake', 'decorators', 'agents'],
  // agentwire/nats, the distributed runtime: a separate entry point that nothing else imports (see below).
  nats: ['util', 'errors', 'results', 'policies', 'core', 'messages', 'handshake', 'protocol', 'decorators', 'agents', 'tracing', 'stats', 'runtime'],
};

/** Folders whose code needs an optional peer and is reached only through its own subpath export, never from index.ts. */
const SUBPATH_ONLY: readonly string[] = ['nats'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import of every source file (value and type imports, re-exports too). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?from\s+'(\.{1,2}\/[^']+)'/g)].map((m) =>
      resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')),
    );
    graph.set(file, targets);
  }
  return graph;
}

function folderOf(file: string): string {
  const rel = relative(SRC, file);
  return rel.includes('/') ? rel.split('/')[0]! : '.';
}

function cycleFrom(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === 'done') return undefined;
    if (state.get(file) === 'open') return [...stack.slice(stack.indexOf(file)), file];
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(file, 'done');
    return undefined;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('architecture', () => {
  const graph = importGraph();

  it('knows every folder of src/', () => {
    const folders = new Set([...graph.keys()].map(folderOf).filter((f) => f !== '.'));
    expect([...folders].filter((f) => !(f in ALLOWED))).toEqual([]);
  });

  it('has folders that import downward only', () => {
    const violations: string[] = [];
    for (const [file, targets] of graph) {
      const from = folderOf(file);
      if (from === '.') continue; // index.ts is the public surface: it re-exports every layer
      for (const target of targets) {
        const to = folderOf(target);
        if (to !== from && !ALLOWED[from]!.includes(to)) violations.push(`${relative(SRC, file)} → ${relative(SRC, target)}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('never reaches agentwire/nats (or any @nats-io client) from the main entry point, index.ts', () => {
    const reached = new Set<string>();
    const visit = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const next of graph.get(file) ?? []) visit(next);
    };
    visit(join(SRC, 'index.ts'));
    expect(reached.size).toBeGreaterThan(100);
    expect([...reached].filter((f) => SUBPATH_ONLY.includes(folderOf(f))).map((f) => relative(SRC, f))).toEqual([]);
    const natsImports = [...reached].filter((f) => /['"]@nats-io\//.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f));
    expect(natsImports).toEqual([]);
    // and the subpath entry exists and is the one place that imports the NATS clients
    const natsEntry = join(SRC, 'nats', 'index.ts');
    expect(graph.has(natsEntry)).toBe(true);
    const clientUsers = [...graph.keys()].filter((f) => /['"]@nats-io\//.test(readFileSync(f, 'utf8')));
    expect(clientUsers.filter((f) => folderOf(f) !== 'nats').map((f) => relative(SRC, f))).toEqual([]);
  });

  it('has no import cycle between files, type-only imports included', () => {
    const cycle = cycleFrom(graph);
    expect(cycle?.map((f) => relative(SRC, f)).join(' → ')).toBeUndefined();
  });

  it('matches the module diagram in the README: every arrow is an import, every import follows arrows', () => {
    const readme = readFileSync(join(SRC, '../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Architecture'));
    const diagram = section.slice(section.indexOf('```mermaid'), section.indexOf('```', section.indexOf('```mermaid') + 3));
    const arrows = new Map<string, Set<string>>();
    const idOf = (text: string): string => text.trim().split('[')[0]!.trim();
    for (const line of diagram.split('\n')) {
      const [left, right] = line.split('-->');
      if (right === undefined) continue;
      const from = idOf(left!);
      for (const to of right.split('&')) (arrows.get(from) ?? arrows.set(from, new Set()).get(from)!).add(idOf(to));
    }
    const imports = new Map<string, Set<string>>();
    for (const [file, targets] of graph) {
      const from = folderOf(file) === '.' ? 'index' : folderOf(file);
      for (const target of targets) if (folderOf(target) !== folderOf(file)) (imports.get(from) ?? imports.set(from, new Set()).get(from)!).add(folderOf(target));
    }
    const reachable = (from: string, to: string, seen = new Set<string>()): boolean =>
      [...(arrows.get(from) ?? [])].some((next) => next === to || (!seen.has(next) && seen.add(next) && reachable(next, to, seen)));
    const unfounded = [...arrows].flatMap(([from, tos]) => [...tos].filter((to) => !imports.get(from)?.has(to)).map((to) => `${from} → ${to}`));
    const unshown = [...imports].flatMap(([from, tos]) => [...tos].filter((to) => !reachable(from, to)).map((to) => `${from} → ${to}`));
    expect({ unfounded, unshown }).toEqual({ unfounded: [], unshown: [] });
    expect(new Set(arrows.keys())).toEqual(new Set([...imports.keys()].filter((f) => (imports.get(f)?.size ?? 0) > 0)));
  });

  it('keeps the in-process runtime class a small façade', () => {
    const text = readFileSync(join(SRC, 'runtime/SingleThreadedAgentRuntime.ts'), 'utf8');
    expect(text).not.toMatch(/@internal/);
    expect(text.split('\n').length).toBeLessThan(350);
  });
});
