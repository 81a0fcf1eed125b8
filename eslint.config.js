// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.attestry/',
      '.attestry-test/',
      'infra/kafka/lib/',
      'test/fixtures/',
      '**/__generated__/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ThrowStatement > Literal',
          message: 'Throw an AttestryError with a code, never a string.',
        },
      ],
    },
  },
  {
    // Only libs/db may use pg, only libs/bus the Kafka client.
    files: ['libs/**/*.ts', 'services/**/*.ts', 'cli/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['libs/db/**', 'libs/bus/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'pg', message: 'pg is used only in libs/db.' },
            { name: 'kafkajs', message: 'kafkajs is used only in libs/bus.' },
            { name: 'node:crypto', message: 'node:crypto is used only in libs/core/crypto.ts.' },
            { name: 'crypto', message: 'node:crypto is used only in libs/core/crypto.ts.' },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/core/crypto.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
