import { defineConfig } from 'vitest/config';

// Vite 8 transforms TypeScript with Oxc. agentwire relies on legacy decorators with
// `design:paramtypes` metadata, so the transform is configured explicitly here rather than
// inferred from tsconfig.json (test/decoratorMetadata.test.ts guards this).
export default defineConfig({
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['reflect-metadata'],
    // The runtime's default logger writes warnings to the console; tests of the logger set their own.
    env: { AGENTWIRE_LOG_LEVEL: 'silent' },
  },
});
