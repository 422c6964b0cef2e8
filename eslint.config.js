// @ts-check
// `npm run lint`. typescript-eslint's recommendedTypeChecked (type-aware: no-floating-promises,
// no-misused-promises, the no-unsafe-* family, ...) over every TypeScript file the compiler
// sees, and eslint's recommended rules; formatting is Prettier's (`npm run format:check`), so
// eslint-config-prettier turns off the rules that would disagree with it. What differs from the
// presets is below, each with its reason.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', '.cache/', 'bench/data/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test()/describe() return promises the runner awaits itself.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }],
        },
      ],
      // Methods implementing a Promise-returning interface (an embedder, a stub) are async without
      // awaiting anything, so that what they throw reaches the caller as a rejection.
      '@typescript-eslint/require-await': 'off',
      // The code looks for control characters on purpose: NUL (PostgreSQL text cannot hold it) and the
      // C0 controls that tell binary from text in untrusted uploads.
      'no-control-regex': 'off',
      // `_` names what a destructuring leaves out on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Tests read HTTP bodies and raw rows as `any` and check their shape with assertions at run
    // time; the benchmarks read raw rows the same way. The application code (apps/, libs/) types
    // every value it reads at the repository boundary instead, so the rules stay on there.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Plain JavaScript (this file, bin/ragdocs.js, bench/lab's scripts): Node's globals, no type information.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: {
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        URL: 'readonly',
      },
    },
  },
  prettier,
);
