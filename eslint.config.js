// Flat config: typescript-eslint's recommended type-aware rules over src/, rules/, bot/, test/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'action/dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The pure core reads no environment, argv or clock (STYLE §6).
    files: ['src/**/*.ts', 'rules/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'process', message: 'src/ and rules/ are pure: pass values down from bot/.' }],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'no clock in the core' }, { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'no clock in the core' }],
      'no-restricted-imports': ['error', { patterns: ['node:fs', 'node:net', 'node:http', 'node:https', 'node:child_process', 'fs', 'net', 'http', 'https', 'child_process'] }],
    },
  },
);
