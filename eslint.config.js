// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'storage/**', '**/*.gen.*', 'src/api/grpc/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { 'import-x': importX },
    // Resolve `./x.js` specifiers to the `.ts` sources, or the import-x rules (layering, cycles) see no edges.
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json', '.node'], extensionAlias: { '.js': ['.ts', '.js'] } })] },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'import-x/no-cycle': 'error',
      // Layering (docs/architecture.md): nothing imports api/; index/ and storage/ never see HTTP, auth or service.
      'import-x/no-restricted-paths': ['error', {
        zones: [
          { target: './src/!(api|main.ts|app.ts)/**', from: './src/api' },
          { target: './src/index', from: ['./src/api', './src/auth', './src/service', './src/collection'] },
          { target: './src/storage', from: ['./src/api', './src/auth', './src/service', './src/collection', './src/index'] },
          { target: './src/collection', from: ['./src/api', './src/auth', './src/service'] },
          { target: './src/config', from: ['./src/api', './src/auth', './src/service', './src/collection', './src/index', './src/storage'] },
          // errors.ts, json.ts and exact-json.ts are leaves: they import nothing from src/.
          { target: ['./src/errors.ts', './src/json.ts', './src/exact-json.ts'], from: './src', except: ['./errors.ts', './json.ts', './exact-json.ts'] },
        ],
      }],
      'no-restricted-imports': ['error', {
        paths: [{ name: 'fastify', message: 'Only src/api and src/app.ts may import fastify.' }],
      }],
    },
  },
  {
    // The engine takes typed requests and returns typed results: no exported function or public method of
    // the engine's entry layers takes or returns a wire-shaped `Record<string, unknown>` / `JsonObject` (bodies
    // are parsed in src/api/*/parse, results presented in src/api/*/present). index/ and storage/ are internal
    // and legitimately handle payload objects.
    files: ['src/service/**', 'src/collection/**'],
    rules: {
      'no-restricted-syntax': ['error',
        {
          selector: "ExportNamedDeclaration > FunctionDeclaration > Identifier > TSTypeAnnotation TSTypeReference[typeName.name=/^(Record|JsonObject|Obj)$/]",
          message: 'Engine entry points take typed requests, not JSON objects: parse the wire body in src/api/*/parse.',
        },
        {
          selector: "MethodDefinition[accessibility!='private'][key.type='Identifier'] > FunctionExpression > Identifier > TSTypeAnnotation TSTypeReference[typeName.name=/^(Record|JsonObject|Obj)$/]",
          message: 'Engine entry points take typed requests, not JSON objects: parse the wire body in src/api/*/parse.',
        },
        {
          selector: "ExportNamedDeclaration > FunctionDeclaration > TSTypeAnnotation > TSTypeReference[typeName.name=/^(Record|JsonObject|Obj)$/]",
          message: 'Engine entry points return typed results, not JSON objects: present them in src/api/*/present.',
        },
        {
          selector: "MethodDefinition[accessibility!='private'][key.type='Identifier'] > FunctionExpression > TSTypeAnnotation > TSTypeReference[typeName.name=/^(Record|JsonObject|Obj)$/]",
          message: 'Engine entry points return typed results, not JSON objects: present them in src/api/*/present.',
        },
      ],
    },
  },
  {
    files: ['src/api/**', 'src/app.ts', 'src/server.ts', 'src/main.ts', 'tests/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['tests/**', 'bench/**', 'scripts/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Tests read JSON response bodies, whose shape the assertions check.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
