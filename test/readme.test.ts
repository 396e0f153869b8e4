import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function quickStart(): string {
  const section = readme.slice(readme.indexOf('## Quick start'));
  const start = section.indexOf('```ts\n') + '```ts\n'.length;
  return section.slice(start, section.indexOf('```', start));
}

describe('README', () => {
  it('opens with the two commands a newcomer runs', () => {
    const opening = readme.split('\n').slice(0, 6).join('\n');
    expect(opening).toContain('npm install && npm start');
    expect(opening).toContain('npm test');
  });

  it('shows a quick start identical to examples/quickstart.ts, which npm test type-checks', () => {
    const example = readFileSync(new URL('../examples/quickstart.ts', import.meta.url), 'utf8');
    const body = example.slice(example.indexOf('\n') + 1).replace("from '../src/index.js';", "from 'agentwire';");
    expect(quickStart()).toBe(body);
  });

  it('runs the quick start', async () => {
    const logs: unknown[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => void logs.push(args);
    try {
      await import('../examples/quickstart.js');
    } finally {
      console.log = original;
    }
    expect(logs).toEqual([[['AI is trending']]]);
  });
});
