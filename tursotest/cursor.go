package tursotest

import "strconv"

// cursorEntries encodes a batch's outcome as Hrana CursorEntry JSON values:
// step_begin, rows and step_end for each step that ran, step_error for each
// step that failed, and a final error entry when the batch itself failed.
// The server runs the whole batch before sending entries.
func cursorEntries(b *batchReq, res *batchResult, batchErr *hranaError) [][]byte {
	var out [][]byte
	if res != nil {
		for i := range b.Steps {
			step := strconv.Itoa(i)
			if e := res.StepErrors[i]; e != nil {
				out = append(out, mustJSON(map[string]any{"type": "step_error", "step": i, "error": e}))
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
			end := map[string]any{"type": "step_end", "affected_row_count": r.affected, "last_insert_rowid": nil}
			if r.hasLastRowid {
				end["last_insert_rowid"] = strconv.FormatInt(r.lastRowid, 10)
			}
			out = append(out, mustJSON(end))
		}
	}
	if batchErr != nil {
		out = append(out, mustJSON(map[string]any{"type": "error", "error": batchErr}))
	}
	return out
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
