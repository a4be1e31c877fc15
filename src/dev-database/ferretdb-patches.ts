import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The changes this project makes to FerretDB v1.24.2's source before building it, so that the embedded
 * database serves the API's hot queries from its indexes (docs/SCALING.md argues each one and quotes the
 * `explain` that proves it). Each replacement must find its exact text once, or the build stops: a new
 * FerretDB version has to be looked at again, not patched blindly.
 */

interface Replacement {
  file: string;
  /** What the log says while building. */
  name: string;
  why: string;
  find: string;
  replace: string;
}

const PATCH_DIR = path.join(__dirname, '..', '..', 'src', 'dev-database', 'ferretdb-patches');

/** Files added as they are (Go, in FerretDB's packages). */
const ADDED_FILES = [{ from: 'pushdown.go', to: 'internal/backends/sqlite/pushdown.go' }];

const REPLACEMENTS: Replacement[] = [
  {
    file: 'internal/backends/sqlite/metadata/metadata.go',
    name: 'finds, updates and deletes by _id use the _id_ index',
    why:
      'The `_id_` index is created on `_ferretdb_sjson->"_id"` (registry.go), but finds, updates and deletes by `_id` ' +
      "compared `_ferretdb_sjson->'$._id'`: the same value, another expression, and SQLite uses an expression index " +
      'only for an identical expression, so every one of them scanned the table.',
    find: `IDColumn = DefaultColumn + "->'$._id'"`,
    replace: `IDColumn = DefaultColumn + "->\\"_id\\""`,
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    name: 'queries push equality and $in, and date and number ranges, on indexed fields down to SQLite',
    why:
      'Query pushed down only a filter of exactly `{_id: <string or ObjectId>}`; prepareWhereClause (pushdown.go) ' +
      'pushes down every equality or `$in` with strings or ObjectIds, every range on dates of 13-digit ' +
      'milliseconds, and every range between two numbers from 1 to below 10^15, on a field that leads an index ' +
      '(`_id` included), as a superset that the handler filters as before.',
    find: `	var whereClause string
	var args []any

	// that logic should exist in one place
	// TODO https://github.com/FerretDB/FerretDB/issues/3235
	if params.Filter.Len() == 1 {
		v, _ := params.Filter.Get("_id")
		switch v.(type) {
		case string, types.ObjectID:
			whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)
			args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
		}
	}

	q += whereClause`,
    replace: `	whereClause, args := prepareWhereClause(meta, params.Filter)

	q += whereClause`,
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    name: 'explain shows the plan of that same WHERE clause',
    why: 'Explain shows the plan of the same WHERE clause as Query, so that `explain` proves what a find does.',
    find: `	var filterPushdown bool
	var whereClause string
	var args []any

	// that logic should exist in one place
	// TODO https://github.com/FerretDB/FerretDB/issues/3235
	if params.Filter.Len() == 1 {
		v, _ := params.Filter.Get("_id")
		switch v.(type) {
		case string, types.ObjectID:
			filterPushdown = true
			whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)
			args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
		}
	}
`,
    replace: `	whereClause, args := prepareWhereClause(meta, params.Filter)
	filterPushdown := whereClause != ""
`,
  },
];

function replaceOnce(text: string, { file, find, replace }: Replacement): string {
  const at = text.indexOf(find);
  if (at === -1 || text.indexOf(find, at + 1) !== -1) {
    throw new Error(`FerretDB patch: ${file} does not contain the expected text exactly once:\n${find}`);
  }
  return text.slice(0, at) + replace + text.slice(at + find.length);
}

/** A short digest of the whole patch set: the binary's name carries it, so a changed set builds anew. */
export function patchSetDigest(): string {
  const hash = createHash('sha256').update(JSON.stringify(REPLACEMENTS));
  for (const { from, to } of ADDED_FILES) hash.update(to).update(readFileSync(path.join(PATCH_DIR, from)));
  return hash.digest('hex').slice(0, 12);
}

/** Applies the patch set to a writable copy of FerretDB's source. */
export function applyPatches(sourceDir: string, log: (line: string) => void): void {
  for (const { from, to } of ADDED_FILES) {
    copyFileSync(path.join(PATCH_DIR, from), path.join(sourceDir, to));
    log(`patch: added ${to}`);
  }
  for (const replacement of REPLACEMENTS) {
    const file = path.join(sourceDir, replacement.file);
    writeFileSync(file, replaceOnce(readFileSync(file, 'utf8'), replacement));
    log(`patch: ${replacement.file}: ${replacement.name}`);
  }
}
