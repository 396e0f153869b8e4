// `node --import <this file> program.ts`: runs TypeScript through the hooks of typescriptHooks.mjs.
import { register } from 'node:module';

register('./typescriptHooks.mjs', import.meta.url);
