package tursotest

import "strconv"

// cursorEntries encodes a batch's outcome as Hrana CursorEntry JSON values,
// fields in sqld's order (libsql-hrana/src/proto.rs:387-429): step_begin,
// rows and step_end for each step that ran, step_error for each step that
// failed, then the final replication_index entry (null: tursotest does not
// replicate) or, when the batch itself failed, an error entry
// (libsql-server/src/hrana/cursor.rs:87-107, 141-176, 255-267). step_end's
// last_insert_rowid is a JSON number, as serde writes StepEndEntry's
// Option<i64> (PROTOCOL.md 7.2.3). The server runs the whole batch before
// sending entries.
func cursorEntries(b *batchReq, res *batchResult, batchErr *hranaError) [][]byte {
	var out [][]byte
	if res != nil {
		for i := range b.Steps {
			step := strconv.Itoa(i)
			if e := res.StepErrors[i]; e != nil {
				out = append(out, append([]byte(`{"type":"step_error","step":`+step+`,"error":`), append(mustJSON(e), '}')...))
				continue
			}
			r := res.StepResults[i]
			if r == nil {
				continue
			}
			begin := []byte(`{"type":"step_begin","step":` + step + `,"cols":`)
			begin = appendCols(begin, r.cols)
			out = append(out, append(begin, '}'))
			for _, row := range r.rows {
				e := []byte(`{"type":"row","row":[`)
				for j, v := range row {
					if j > 0 {
						e = append(e, ',')
					}
					e = appendValue(e, v)
				}
				out = append(out, append(e, "]}"...))
			}
			end := []byte(`{"type":"step_end","affected_row_count":`)
			end = strconv.AppendInt(end, r.affected, 10)
			end = append(end, `,"last_insert_rowid":`...)
			if r.hasLastRowid {
				end = strconv.AppendInt(end, r.lastRowid, 10)
			} else {
				end = append(end, "null"...)
			}
			out = append(out, append(end, '}'))
		}
	}
	if batchErr != nil {
		return append(out, append(append([]byte(`{"type":"error","error":`), mustJSON(batchErr)...), '}'))
	}
	return append(out, []byte(`{"type":"replication_index","replication_index":null}`))
}

// appendCols appends a JSON array of Hrana Cols.
func appendCols(b []byte, cols []col) []byte {
	b = append(b, '[')
	for i, c := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendString(b, c.name)
		b = append(b, `,"decltype":`...)
		if c.decltype == "" {
			b = append(b, "null"...)
		} else {
			b = appendString(b, c.decltype)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}
