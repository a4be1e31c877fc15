import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The development database (src/dev-database/: building and starting FerretDB) stays out of a server on
 * MONGODB_URI: no chain of static imports from src/server.ts reaches it, and the one way in is the
 * dynamic import() in src/db/open-database.ts, taken only when MONGODB_URI is not set.
 *
 * Read from the source with the TypeScript parser, and strict: every import that is not type-only
 * counts, a require() anywhere counts as loading at start-up, and an import this walk cannot resolve
 * fails the test rather than being skipped.
 */

const ROOT = path.resolve(__dirname, '..');
const SERVER = path.join(ROOT, 'src', 'server.ts');
const OPEN_DATABASE = path.join(ROOT, 'src', 'db', 'open-database.ts');
const DEV_DATABASE = `${path.join(ROOT, 'src', 'dev-database')}${path.sep}`;
const COMPILER_OPTIONS: ts.CompilerOptions = { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 };

interface Imports {
  /** Loaded as the file loads: import and export declarations, import = require, require(). */
  eager: string[];
  /** import() calls, loaded when the code runs. */
  dynamic: string[];
}

/** Erased by the compiler: `import type …`, or named imports that are all `type`. */
function isTypeOnly(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return !clause.name && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((element) => element.isTypeOnly);
}

function literal(node: ts.Node | undefined, file: string): string {
  if (node && ts.isStringLiteralLike(node)) return node.text;
  throw new Error(`${path.relative(ROOT, file)}: a module loaded by a computed name, which this test cannot follow`);
}

function importsOf(file: string): Imports {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Imports = { eager: [], dynamic: [] };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      if (!isTypeOnly(node)) found.eager.push(literal(node.moduleSpecifier, file));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      if (!node.isTypeOnly) found.eager.push(literal(node.moduleSpecifier, file));
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      if (!node.isTypeOnly) found.eager.push(literal(node.moduleReference.expression, file));
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      found.dynamic.push(literal(node.arguments[0], file));
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') {
      found.eager.push(literal(node.arguments[0], file));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The project file a specifier names, or undefined for a package or a Node built-in (neither imports src/). */
function resolve(specifier: string, from: string): string | undefined {
  const resolved = ts.resolveModuleName(specifier, from, COMPILER_OPTIONS, ts.sys).resolvedModule;
  if (resolved && !resolved.isExternalLibraryImport) return path.resolve(resolved.resolvedFileName);
  if (specifier.startsWith('.')) throw new Error(`${path.relative(ROOT, from)}: cannot resolve ${specifier}`);
  return undefined;
}

/** Every project file loaded at start-up from `entry`, each with the file that imports it. */
function eagerGraph(entry: string): Map<string, string | undefined> {
  const importedBy = new Map<string, string | undefined>([[entry, undefined]]);
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const specifier of importsOf(file).eager) {
      const target = resolve(specifier, file);
      if (target === undefined || importedBy.has(target)) continue;
      importedBy.set(target, file);
      queue.push(target);
    }
  }
  return importedBy;
}

function chainTo(file: string, importedBy: Map<string, string | undefined>): string[] {
  const chain: string[] = [];
  for (let at: string | undefined = file; at !== undefined; at = importedBy.get(at)) chain.unshift(path.relative(ROOT, at));
  return chain;
}

const inDevDatabase = (file: string) => file.startsWith(DEV_DATABASE);

describe('the development database and the production import graph', () => {
  it('no chain of static imports from src/server.ts reaches src/dev-database/', () => {
    const graph = eagerGraph(SERVER);
    const chains = [...graph.keys()].filter(inDevDatabase).map((file) => chainTo(file, graph).join(' → '));
    expect(chains).toEqual([]);
    // The walk did follow the server's imports down to the database opening.
    expect(graph.has(OPEN_DATABASE)).toBe(true);
  });

  it('src/db/open-database.ts reaches it through import() only', () => {
    const imports = importsOf(OPEN_DATABASE);
    expect(imports.dynamic.map((specifier) => resolve(specifier, OPEN_DATABASE))).toEqual([path.join(DEV_DATABASE, 'embedded-ferretdb.ts')]);
    expect(imports.eager.map((specifier) => resolve(specifier, OPEN_DATABASE)).filter((file) => file !== undefined && inDevDatabase(file))).toEqual([]);
  });

  it('the same walk does find a static chain where there is one (the jest global setup starts FerretDB)', () => {
    const setup = path.join(ROOT, 'tests', 'support', 'global-setup.ts');
    expect([...eagerGraph(setup).keys()].filter(inDevDatabase).map((file) => path.relative(ROOT, file)).sort()).toEqual([
      'src/dev-database/embedded-ferretdb.ts',
      'src/dev-database/ferretdb-build.ts',
      'src/dev-database/ferretdb-patches.ts',
      'src/dev-database/free-port.ts',
    ]);
  });
});
