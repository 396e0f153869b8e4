import { cp, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempRoot, removeTempRoot, REPO_ROOT, runOk } from '../package/consumerProject.js';

/*
 * scripts/packageReadme.mjs, npm's prepack / postpack: README.md becomes the package README for the
 * pack and is put back after, and a pack interrupted between the two is undone by the next one. Run in
 * a scratch copy of the repository's README and package.json (what the package README itself says is
 * checked on the packed tarball, in test/package/consumer.test.ts).
 */

let root: string | undefined;
let dir: string;
let original: string;

function script(command: 'prepack' | 'postpack') {
  return runOk(process.execPath, [join(dir, 'scripts', 'packageReadme.mjs'), command], dir);
}

const readme = () => readFile(join(dir, 'README.md'), 'utf8');

describe('scripts/packageReadme.mjs (prepack / postpack)', () => {
  beforeEach(async () => {
    root = await makeTempRoot('agentwire-readme-');
    dir = join(root, 'repo');
    for (const file of ['scripts/packageReadme.mjs', 'README.md', 'package.json']) await cp(join(REPO_ROOT, file), join(dir, file));
    original = await readme();
  });

  afterEach(() => removeTempRoot(root));

  it('turns README.md into the package README for the pack, and puts it back after', async () => {
    await script('prepack');
    const packaged = await readme();
    expect(packaged.split('\n').slice(0, 5).join('\n')).toMatch(/^# agentwire\n\n.+\n\n## Quick start$/);
    expect(packaged).not.toContain('npm install && npm start');
    expect(await readFile(join(dir, '.out', 'README.repository.md'), 'utf8')).toBe(original);

    await script('postpack');
    expect(await readme()).toBe(original);
    expect(existsSync(join(dir, '.out', 'README.repository.md'))).toBe(false);
  });

  it('undoes a pack that never reached postpack before packing again', async () => {
    await script('prepack');
    const packaged = await readme();
    await script('prepack');
    expect(await readme()).toBe(packaged);
    await script('postpack');
    expect(await readme()).toBe(original);
  });
});
