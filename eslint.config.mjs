// ESLint with typescript-eslint, type-aware. The lint tooling lives in
// scripts/lint (its own package.json and lockfile: typescript-eslint needs
// TypeScript < 6.1, the project builds with TypeScript 7), so this file
// loads it from there. Run it with `npm run lint` (scripts/lint.mjs), which
// installs the tooling on first use and also runs knip for unused exports.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const lintRequire = createRequire(new URL('./scripts/lint/package.json', import.meta.url));
const load = async (name) => (await import(pathToFileURL(lintRequire.resolve(name)).href)).default;
const tseslint = await load('typescript-eslint');

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'tests/browser/msw/**', 'server/admin/**', 'data/**', 'coverage/**', 'api/**'],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        project: ['./tsconfig.node.json', './tsconfig.web.json', './server/tsconfig.json'],
        tsconfigRootDir: root,
      },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `any` and unchecked values crossing module boundaries
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      '@typescript-eslint/no-unsafe-declaration-merging': 'error',
      '@typescript-eslint/no-unsafe-function-type': 'error',
      // promises nobody awaits or handles
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // (the sources carry directives for it)
      'no-control-regex': 'error',
    },
  },
  {
    // The library's own modules: no unchecked cast (`x as unknown as T`)
    // carries a value across a module boundary; validate it instead.
    files: ['src/**/*.ts', 'main/**/*.ts', 'worker/**/*.ts', 'server/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "TSAsExpression[expression.type='TSAsExpression'][expression.typeAnnotation.type='TSUnknownKeyword']",
          message: 'Unchecked cast (`as unknown as`): validate the value (e.g. with its zod schema) instead.',
        },
      ],
    },
  },
);
