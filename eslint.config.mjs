import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first; a file may import its own layer and the ones below, never one above
 * (docs/ARCHITECTURE.md draws them). Type-only imports count too.
 */
const LAYERS = [
  { name: 'foundation', files: ['src/config.ts', 'src/access-key-config.ts', 'src/relying-service-config.ts', 'src/duration.ts', 'src/clock.ts', 'src/logger.ts', 'src/audit-log.ts', 'src/process-faults.ts', 'src/process-config.ts', 'src/write-file-once.ts'] },
  // The session core: the session rules, with storage behind an interface (src/sessions/session-repository.ts).
  { name: 'sessions', files: ['src/sessions/**'], paths: ['sessions'] },
  { name: 'db', files: ['src/db/**'], paths: ['db'] },
  // Above db, so that db reaches it only through import(): a server on MONGODB_URI never loads it.
  { name: 'dev-database', files: ['src/dev-database/**'], paths: ['dev-database'] },
  { name: 'infrastructure', files: ['src/http/**', 'src/metrics/**'], paths: ['http', 'metrics'] },
  // Session-end events: the outbox the session core writes, and their delivery.
  { name: 'events', files: ['src/events/**'], paths: ['events'] },
  { name: 'auth', files: ['src/auth/**'], paths: ['auth'] },
  { name: 'users', files: ['src/users/**'], paths: ['users'] },
  {
    name: 'composition',
    files: ['src/app.ts', 'src/server.ts', 'src/startup-lines.ts', 'src/openapi/**', 'src/operator/**'],
    paths: ['openapi', 'operator', 'app', 'server', 'startup-lines'],
  },
];

/** Import patterns (relative, from one folder down or the root of src/) that reach the given folders or root files. */
function importsOf(paths) {
  return paths.flatMap((p) => [`./${p}`, `./${p}/*`, `../${p}`, `../${p}/*`]);
}

const layerRules = LAYERS.map((layer, i) => {
  const above = LAYERS.slice(i + 1).flatMap((higher) => higher.paths ?? []);
  return {
    files: layer.files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: above.length === 0 ? [] : [{ group: importsOf(above), message: `the ${layer.name} layer must not import a higher layer (docs/ARCHITECTURE.md)` }],
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.ferretdb/', '.fuzz/', 'examples/**/dist/', 'examples/**/node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  ...layerRules,
  {
    // The session core speaks neither HTTP nor the database driver: no Express, no mongoose or MongoDB driver,
    // no HTTP error catalog (docs/ARCHITECTURE.md; tests/architecture.test.ts checks the same from outside).
    files: ['src/sessions/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['express', 'mongoose', 'mongodb', 'bson', 'cookie-parser', 'jsonwebtoken'].map((name) => ({
            name,
            message: 'the session core must not depend on HTTP, JWT or the database driver (docs/ARCHITECTURE.md)',
          })),
          patterns: [
            {
              group: [...importsOf(LAYERS.slice(LAYERS.findIndex((layer) => layer.name === 'sessions') + 1).flatMap((higher) => higher.paths ?? []))],
              message: 'the sessions layer must not import a higher layer (docs/ARCHITECTURE.md)',
            },
          ],
        },
      ],
    },
  },
);
