// @ts-check
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/**
 * Protocol cores are sans-IO: time arrives as `now`, randomness from an injected Rng, I/O through
 * poll*(). These rules make that a build failure instead of a code-review comment.
 */
const sansIoCores = [
  'packages/runtime/src/**/*.ts',
  'packages/membership/src/**/*.ts',
  'packages/swim/src/**/*.ts',
  'packages/store/src/**/*.ts',
  'packages/kv/src/**/*.ts',
  'packages/routes/src/**/*.ts',
  'packages/tasks/src/**/*.ts',
  'packages/node/src/core/**/*.ts',
  'packages/vxlan-agent/src/cni/allocation-table.ts',
  'packages/vxlan-agent/src/egress/egress-rules.ts',
];

const sansIoMessage = 'sans-IO core: take time as `now` and randomness from the injected Rng';

/** Exported so test/ can check the rule catches what it should. */
export const sansIoRules = {
  files: sansIoCores,
  rules: {
    'no-restricted-globals': [
      'error',
      { name: 'Date', message: sansIoMessage },
      { name: 'setTimeout', message: sansIoMessage },
      { name: 'setInterval', message: sansIoMessage },
      { name: 'setImmediate', message: sansIoMessage },
      { name: 'performance', message: sansIoMessage },
      { name: 'process', message: sansIoMessage },
    ],
    'no-restricted-properties': [
      'error',
      { object: 'Math', property: 'random', message: sansIoMessage },
      { object: 'globalThis', property: 'Date', message: sansIoMessage },
      { object: 'globalThis', property: 'setTimeout', message: sansIoMessage },
      { object: 'globalThis', property: 'process', message: sansIoMessage },
    ],
    'no-restricted-imports': [
      'error',
      { patterns: [{ group: ['node:*'], message: 'sans-IO core: no Node.js built-ins' }] },
    ],
    'no-restricted-syntax': [
      'error',
      {
        selector:
          'ImportDeclaration[source.value=/^(fs|net|dgram|os|timers|perf_hooks|process|child_process|crypto)(\\u002F.*)?$/]',
        message: 'sans-IO core: no Node.js built-ins',
      },
    ],
  },
};

export default defineConfig(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', '**/*.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['eslint.config.js'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['**/test/**/*.ts'],
    rules: {
      // ava's `t.throws` returns the error for inspection; tests assert on optional chains.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
  sansIoRules,
  prettier,
);
