// Added to FerretDB v1.24.2 by this project at build time (src/dev-database/ferretdb-patches.ts explains why).

package sqlite

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

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
//
// A range ($lt, $lte, $gt, $gte, one or two of them) on a date is pushed down too, as the same comparisons
// on the index's text: sjson renders a date as its milliseconds since the epoch, a JSON number, and for
// dates whose milliseconds have 13 digits (2001-09-09 to 2286-11-20, every date this API stores) the text
// order of those digits is their numeric order. Only bounds in that span are pushed; a date outside it, in a
// document, may be left out of the selection, which is why the span is the documented limit of the patch.
// Values of other types never match a date bound (comparisons bracket by type), and arrays are selected
// whole as above.
//
// A range between two numbers from 1 to below 10^15 is pushed down as one text range per digit count
// (pushdownNumberRange argues it): the revocation feed's poll, `_id` from a position to at most 1,000 above it
// (src/db/mongo-revocation-feed.ts).
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

		expr := fmt.Sprintf("%s->%q", metadata.DefaultColumn, field)
		value := must.NotFail(filter.Get(field))

		var condition string

		if values := pushdownValues(value); values != nil {
			condition = fmt.Sprintf("%s IN (%s)", expr, strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", "))

			for _, v := range values {
				args = append(args, string(must.NotFail(sjson.MarshalSingleValue(v))))
			}
		} else if bounds := pushdownDateRange(value); bounds != nil {
			parts := make([]string, len(bounds))
			for i, b := range bounds {
				parts[i] = fmt.Sprintf("%s %s ?", expr, b.op)
				args = append(args, b.text)
			}

			condition = strings.Join(parts, " AND ")
		} else if blocks := pushdownNumberRange(value); blocks != nil {
			parts := make([]string, len(blocks))
			for i, b := range blocks {
				parts[i] = fmt.Sprintf("(%[1]s >= ? AND %[1]s < ?)", expr)
				args = append(args, b.from, b.below)
			}

			condition = "(" + strings.Join(parts, " OR ") + ")"
		} else {
			continue
		}

		if field != "_id" {
			condition = fmt.Sprintf(`(%[2]s OR (%[1]s >= '[' AND %[1]s < '\'))`, expr, condition)
		}

		conditions = append(conditions, condition)
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

// dateBound is one comparison of a pushed-down date range: the SQL operator and the bound's JSON text.
type dateBound struct {
	op   string
	text string
}

// dateRangeOperators maps the query operators pushed down to their SQL comparisons.
var dateRangeOperators = map[string]string{"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}

// pushdownDateRange returns the comparisons of a range on dates, or nil if condition is not one whose bounds
// all have 13-digit milliseconds (see prepareWhereClause).
func pushdownDateRange(condition any) []dateBound {
	doc, ok := condition.(*types.Document)
	if !ok || doc.Len() == 0 || doc.Len() > 2 {
		return nil
	}

	bounds := make([]dateBound, 0, doc.Len())

	for _, key := range doc.Keys() {
		op, ok := dateRangeOperators[key]
		if !ok {
			return nil
		}

		date, ok := must.NotFail(doc.Get(key)).(time.Time)
		if !ok {
			return nil
		}

		ms := date.UnixMilli()
		if ms < 1_000_000_000_000 || ms >= 10_000_000_000_000 {
			return nil
		}

		bounds = append(bounds, dateBound{op: op, text: strconv.FormatInt(ms, 10)})
	}

	return bounds
}

// numberBlock is the text range [from, below) that holds every number whose integer part has one digit count
// and lies between two bounds of that count (see pushdownNumberRange).
type numberBlock struct {
	from  string
	below string
}

// maxPushdownInteger bounds the numbers pushed down: below it (and below 2^53) every double is written with
// its exact integer part, and int64 arithmetic on the bounds is exact.
const maxPushdownInteger = 1_000_000_000_000_000

// pushdownNumberRange returns text ranges whose union holds the JSON text of every number in a range with a
// lower bound ($gt or $gte) of at least 1 and an upper bound ($lt or $lte) below 10^15, or nil if condition
// is not such a range.
//
// sjson writes int32 and int64 as their decimal digits, and a double as encoding/json does: for 1 <= v < 1e21,
// the shortest decimal that reads back as v, in plain notation. Below 2^53 every integer is a double, so that
// decimal's integer part is floor(v) exactly (a decimal outside (floor(v), floor(v)+1) would read back as
// another double). So the text of a number v is the L digits of floor(v), alone or followed by '.' and more
// digits. Text order is not numeric order across digit counts ("100" < "41"), but among numbers whose integer
// parts have the same count L it is: with a = floor(lower bound) and b = floor(upper bound), every matching v
// has floor(v) in [a, b], and its text lies in [x, y + "/") for the block of L-digit integers [x, y] inside
// [a, b] ('.' sorts below '/', which sorts below every digit, so "y.5" is inside and "y0" is not). One block
// per digit count from a's to b's (at most 15), ORed: a superset of the range, and as narrow as the bounds.
// Strings ('"'), documents, arrays, booleans and null never start with a digit; negative numbers and -0
// start with '-' and are below 1; dates and timestamps (also digits) may be selected, and the handler
// drops them, as it drops the bounds' own inexactness (a $gt or $lt bound is taken as inclusive).
// A range open at either end is not pushed down: its text would be most of the index.
func pushdownNumberRange(condition any) []numberBlock {
	doc, ok := condition.(*types.Document)
	if !ok || doc.Len() != 2 {
		return nil
	}

	var lower, upper *int64

	for _, key := range doc.Keys() {
		bound, ok := integerPart(must.NotFail(doc.Get(key)))
		if !ok {
			return nil
		}

		switch key {
		case "$gt", "$gte":
			if lower != nil {
				return nil
			}

			lower = &bound
		case "$lt", "$lte":
			if upper != nil {
				return nil
			}

			upper = &bound
		default:
			return nil
		}
	}

	if lower == nil || upper == nil || *lower < 1 || *upper >= maxPushdownInteger || *lower > *upper {
		return nil
	}

	var blocks []numberBlock

	for first := int64(1); first <= *upper; first *= 10 {
		x, y := max(*lower, first), min(*upper, first*10-1)
		if x <= y {
			blocks = append(blocks, numberBlock{from: strconv.FormatInt(x, 10), below: strconv.FormatInt(y, 10) + "/"})
		}
	}

	return blocks
}

// integerPart returns floor(v) for a number of magnitude below 10^15; ok is false for anything else (NaN too).
func integerPart(v any) (int64, bool) {
	switch v := v.(type) {
	case int32:
		return int64(v), true
	case int64:
		return v, v > -maxPushdownInteger && v < maxPushdownInteger
	case float64:
		if !(v > -maxPushdownInteger && v < maxPushdownInteger) {
			return 0, false
		}

		return int64(math.Floor(v)), true
	default:
		return 0, false
	}
}
