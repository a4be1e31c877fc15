import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What docs/ARCHITECTURE.md claims about the code, checked from the files themselves: the session core's
 * imports, where mongoose and process.env may appear, and that every file the page names exists.
 */

const ROOT = path.resolve(__dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

/** Every module a file imports (static `import … from`, `export … from`, and `import()`), as written. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)].map((match) => match[1]!);
}

describe('docs/ARCHITECTURE.md holds', () => {
  it('the session core imports no Express, no mongoose or MongoDB driver, no JWT library and nothing outside its folder but the clock', () => {
    const files = sourceFiles('src/sessions');
    expect(files.length).toBeGreaterThan(5);
    const forbidden = files.flatMap((file) =>
      importsOf(file)
        .filter((module) => (module.startsWith('.') ? !module.startsWith('./') && module !== '../clock' : !module.startsWith('node:')))
        .map((module) => `${file} imports ${module}`),
    );
    expect(forbidden).toEqual([]);
  });

  it('only src/db/ and the rate-limit counters and probes of src/http/ import mongoose or the MongoDB driver', () => {
    const allowed = (file: string) => file.startsWith('src/db/') || file === 'src/http/rate-limit-hits.ts' || file === 'src/http/probe-routes.ts';
    const offenders = sourceFiles('src')
      .filter((file) => importsOf(file).some((module) => module === 'mongoose' || module === 'mongodb'))
      .filter((file) => !allowed(file));
    expect(offenders).toEqual([]);
  });

  it('only src/config.ts reads process.env (and the FerretDB build, which hands the environment to Go)', () => {
    const readers = sourceFiles('src').filter((file) => readFileSync(path.join(ROOT, file), 'utf8').includes('process.env'));
    expect(readers.sort()).toEqual(['src/config.ts', 'src/dev-database/ferretdb-build.ts']);
  });

  it('controllers call no model and import nothing from src/db/', () => {
    const controllers = sourceFiles('src').filter((file) => file.endsWith('-controller.ts'));
    expect(controllers.length).toBeGreaterThanOrEqual(3);
    for (const file of controllers) {
      expect(importsOf(file).filter((module) => module.includes('/db/'))).toEqual([]);
    }
  });

  it('every file the page names exists', () => {
    const page = readFileSync(path.join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
    const named = [...new Set([...page.matchAll(/\b((?:src|tests|bench|scripts|examples)\/[A-Za-z0-9_./-]+\.(?:ts|tsx|mjs|js|json))\b/g)].map((m) => m[1]!))];
    expect(named.length).toBeGreaterThan(15);
    expect(named.filter((file) => !existsSync(path.join(ROOT, file)))).toEqual([]);
  });
});
