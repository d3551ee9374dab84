// Flat config: typescript-eslint's type-aware recommended rules over the TypeScript of src/,
// rules/, bot/ and test/; the layering of docs/architecture.md (src/ ← rules/ ← bot/) as
// import restrictions; the pure core's bans (no process, clock, fs or network in src/ and rules/).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_IO = ['node:fs', 'node:fs/promises', 'node:net', 'node:http', 'node:https', 'node:child_process', 'fs', 'fs/promises', 'net', 'http', 'https', 'child_process'];
const io = { group: NODE_IO, message: 'src/ and rules/ are pure: I/O lives in bot/.' };
// Relative imports only (the project has no path aliases): `../rules/…`, `../../bot/…`.
const intoRules = { regex: '^(\\.\\./)+rules(/|$)', message: 'src/ is the core: it never imports rules/ (a rule pack is handed to it by bot/).' };
const intoBot = { regex: '^(\\.\\./)+bot(/|$)', message: 'src/ and rules/ never import bot/ (the I/O shell depends on them, not the reverse).' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'action/dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.ts'] }, tsconfigRootDir: import.meta.dirname },
      globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // `async function* once(x) { yield x; }` is how an AsyncIterable of known values is made,
      // and an async method without await keeps an interface's promise contract.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // vitest's asymmetric matchers (expect.any, expect.stringMatching, ...) are typed `any`.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    // Plain JavaScript (scripts, bench, the bin, fixture generators) is not type-checked.
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The pure core reads no environment, argv or clock, and does no I/O (docs/architecture.md).
    files: ['src/**/*.ts', 'rules/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'process', message: 'src/ and rules/ are pure: pass values down from bot/.' }],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'no clock in the core' }, { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'no clock in the core' }],
    },
  },
  { files: ['src/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [io, intoRules, intoBot] }] } },
  { files: ['rules/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [io, intoBot] }] } },
);
