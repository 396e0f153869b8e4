// Node module hooks that run the repository's TypeScript directly in a child process (the worker programs
// of the multi-process NATS tests), with no build step and no output directory: each `.ts` file is
// transpiled on load, and a relative or absolute `x.js` import resolves to `x.ts` when only the TypeScript
// source exists (tsc's NodeNext convention). No type check: `npm test` type-checks these files already.
//
// The transform is Oxc's (`rolldown/experimental`, which Vite 8 and so vitest install) with the decorator
// settings of vitest.config.ts, so a worker runs the code exactly as the tests do, and ~4× faster than
// TypeScript's transpileModule, the fallback when rolldown is absent (another vitest/Vite major). Oxc's
// decorator output imports helpers from `@oxc-project/runtime`, a package only Vite provides: those
// imports resolve to oxcDecoratorHelpers.mjs.
// Registered by registerTypescript.mjs: `node --import <…>/registerTypescript.mjs program.ts`.
import { readFile } from 'node:fs/promises';
import { fileURLToPath, URL } from 'node:url';

const transpile = await oxcTransform().catch(typescriptTransform);

async function oxcTransform() {
  const { transformSync } = await import('rolldown/experimental');
  const options = { decorator: { legacy: true, emitDecoratorMetadata: true }, sourcemap: false };
  return (fileName, source) => {
    const { code, errors } = transformSync(fileName, source, options);
    if (errors.length > 0) throw new Error(`cannot transform ${fileName}: ${errors.map((e) => e.message).join('; ')}`);
    return code;
  };
}

async function typescriptTransform() {
  const { default: ts } = await import('typescript');
  const compilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    useDefineForClassFields: false,
  };
  return (fileName, source) => ts.transpileModule(source, { fileName, compilerOptions }).outputText;
}

const OXC_HELPERS = '@oxc-project/runtime/helpers/';
const HELPERS_MODULE = new URL('./oxcDecoratorHelpers.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith(OXC_HELPERS)) return { url: `${HELPERS_MODULE}?helper=${specifier.slice(OXC_HELPERS.length)}`, shortCircuit: true };
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const isPath = /^(\.{1,2}\/|\/|file:)/.test(specifier);
    if (!isPath || !specifier.endsWith('.js') || error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return nextResolve(`${specifier.slice(0, -'.js'.length)}.ts`, context);
  }
}

export async function load(url, context, nextLoad) {
  if (url.startsWith(`${HELPERS_MODULE}?helper=`)) {
    const name = new URL(url).searchParams.get('helper');
    return { format: 'module', source: `export { ${name} as default } from ${JSON.stringify(HELPERS_MODULE)};`, shortCircuit: true };
  }
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  return { format: 'module', source: transpile(fileName, await readFile(fileName, 'utf8')), shortCircuit: true };
}
