// Added to FerretDB v1.24.2 by this project at build time (src/dev-database/ferretdb-patches.ts explains why).

package sqlite

import (
	"fmt"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// maxPushdownValues bounds the placeholders one `$in` adds; a longer list is left to the handler's filter.
const maxPushdownValues = 1000

// prepareWhereClause returns a WHERE clause that selects a superset of the documents matching filter,
// using the collection's expression indexes, or "" when no condition of filter can be pushed down.
//
// Only top-level fields that lead an index are used, each compared through exactly the expression the index
// was created on (metadata.Registry.indexesCreate writes `_ferretdb_sjson->"field"`), because SQLite uses an
// expression index only for an identical expression. A condition is pushed down when it is an equality with
// a string or ObjectId, or `$in` with only strings and ObjectIds; every other condition is left out, which
// only widens the selection. The handler filters every document the backend returns, so a superset is
// enough, and these conditions never leave out a document that matches:
//   - `->` yields the value's JSON text, rendered by the same encoder (sjson) that renders the arguments, so
//     an equal string or ObjectId yields equal text. (An ObjectId and a string of the same hex digits yield
//     the same text: a superset, sorted out by the handler.)
//   - MongoDB's equality also matches an array that holds the value. Every array yields JSON text starting
//     with '[', and no other value does (a string starts with '"', a document with '{', a number with a
//     digit or '-'), so each condition also selects every array: the range ['[', '\') on the same index.
//     (Not for _id, which is never an array: both servers refuse one.)
func prepareWhereClause(meta *metadata.Collection, filter *types.Document) (string, []any) {
	if filter.Len() == 0 {
		return "", nil
	}

	indexed := make(map[string]bool, len(meta.Settings.Indexes))
	for _, index := range meta.Settings.Indexes {
		if len(index.Key) > 0 {
			indexed[index.Key[0].Field] = true
		}
	}

	var conditions []string
	var args []any

	for _, field := range filter.Keys() {
		if !indexed[field] || strings.Contains(field, ".") {
			continue
		}

		values := pushdownValues(must.NotFail(filter.Get(field)))
		if values == nil {
			continue
		}

		expr := fmt.Sprintf("%s->%q", metadata.DefaultColumn, field)
		condition := fmt.Sprintf("%s IN (%s)", expr, strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", "))

		if field != "_id" {
			condition = fmt.Sprintf(`(%[2]s OR (%[1]s >= '[' AND %[1]s < '\'))`, expr, condition)
		}

		conditions = append(conditions, condition)

		for _, v := range values {
			args = append(args, string(must.NotFail(sjson.MarshalSingleValue(v))))
		}
	}

	if len(conditions) == 0 {
		return "", nil
	}

	return " WHERE " + strings.Join(conditions, " AND "), args
}

// pushdownValues returns the values a condition on one field compares with, or nil if it cannot be pushed down.
func pushdownValues(condition any) []any {
	switch condition := condition.(type) {
	case string, types.ObjectID:
		return []any{condition}
	case *types.Document:
		if condition.Len() != 1 || !condition.Has("$in") {
			return nil
		}

		in, ok := must.NotFail(condition.Get("$in")).(*types.Array)
		if !ok || in.Len() == 0 || in.Len() > maxPushdownValues {
			return nil
		}

		values := make([]any, in.Len())
		for i := range values {
			values[i] = must.NotFail(in.Get(i))

			switch values[i].(type) {
			case string, types.ObjectID:
			default:
				return nil
			}
		}

		return values
	default:
		return nil
	}
}
