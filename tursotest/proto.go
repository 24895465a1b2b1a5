package tursotest

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Protocol versions, as negotiated by WebSocket subprotocol or HTTP path.
const (
	hrana1 = 1
	hrana2 = 2
	hrana3 = 3
)

// stmtReq is a Hrana Stmt.
type stmtReq struct {
	SQL       *string    `json:"sql"`
	SQLID     *int32     `json:"sql_id"`
	Args      []inValue  `json:"args"`
	NamedArgs []namedArg `json:"named_args"`
	WantRows  *bool      `json:"want_rows"`
}

// namedArg is a Hrana NamedArg.
type namedArg struct {
	Name  string  `json:"name"`
	Value inValue `json:"value"`
}

// batchReq is a Hrana Batch.
type batchReq struct {
	Steps []batchStep `json:"steps"`
}

// batchStep is a Hrana BatchStep.
type batchStep struct {
	Condition *batchCond `json:"condition"`
	Stmt      stmtReq    `json:"stmt"`
}

// batchCond is a Hrana BatchCond.
type batchCond struct {
	Type  string      `json:"type"`
	Step  *uint32     `json:"step"`
	Cond  *batchCond  `json:"cond"`
	Conds []batchCond `json:"conds"`
}

// streamReq is a request on a stream: a Hrana-over-HTTP StreamRequest, or the
// payload of a WebSocket RequestMsg (which adds stream and cursor ids).
type streamReq struct {
	Type     string    `json:"type"`
	StreamID *int32    `json:"stream_id"`
	CursorID *int32    `json:"cursor_id"`
	MaxCount *uint32   `json:"max_count"`
	Stmt     *stmtReq  `json:"stmt"`
	Batch    *batchReq `json:"batch"`
	SQL      *string   `json:"sql"`
	SQLID    *int32    `json:"sql_id"`
}

// hranaError is a Hrana Error: the error of one statement or request.
type hranaError struct {
	Message string `json:"message"`
	Code    string `json:"code,omitempty"`
}

// Error implements error.
func (e *hranaError) Error() string { return e.Message }

// protoError is a protocol violation: it ends an HTTP stream (400) or closes
// a WebSocket, as in sqld.
type protoError struct {
	msg string
}

// Error implements error.
func (e *protoError) Error() string { return e.msg }

// col is a Hrana Col.
type col struct {
	name     string
	decltype string
}

// stmtResult is a Hrana StmtResult.
type stmtResult struct {
	cols         []col
	rows         [][]any
	affected     int64
	lastRowid    int64
	hasLastRowid bool
	durationMs   float64
}

// appendJSON appends the JSON encoding of r.
func (r *stmtResult) appendJSON(b []byte) []byte {
	b = append(b, `{"cols":`...)
	b = appendCols(b, r.cols)
	b = append(b, `,"rows":[`...)
	for i, row := range r.rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, v := range row {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, v)
		}
		b = append(b, ']')
	}
	b = append(b, `],"affected_row_count":`...)
	b = strconv.AppendInt(b, r.affected, 10)
	b = append(b, `,"last_insert_rowid":`...)
	if r.hasLastRowid {
		b = append(b, '"')
		b = strconv.AppendInt(b, r.lastRowid, 10)
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"query_duration_ms":`...)
	b = appendFloat(b, r.durationMs)
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler.
func (r *stmtResult) MarshalJSON() ([]byte, error) { return r.appendJSON(nil), nil }

// batchResult is a Hrana BatchResult.
type batchResult struct {
	StepResults []*stmtResult `json:"step_results"`
	StepErrors  []*hranaError `json:"step_errors"`
}

// describeResult is a Hrana DescribeResult.
type describeResult struct {
	Params     []describeParam `json:"params"`
	Cols       []describeCol   `json:"cols"`
	IsExplain  bool            `json:"is_explain"`
	IsReadonly bool            `json:"is_readonly"`
}

// describeParam is a Hrana DescribeParam.
type describeParam struct {
	Name *string `json:"name"`
}

// describeCol is a Hrana DescribeCol.
type describeCol struct {
	Name     string  `json:"name"`
	Decltype *string `json:"decltype"`
}

// response is the payload of a successful request: its "type", then its
// fields as key, value pairs. It encodes "type" first and the fields in
// order, as serde encodes sqld's internally tagged StreamResponse
// (libsql-hrana/src/proto.rs:70-81).
type response []any

// okResponse returns a response of the given type with extra fields.
func okResponse(typ string, kv ...any) response {
	return append(response{typ}, kv...)
}

// MarshalJSON implements json.Marshaler.
func (r response) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	b := append([]byte(`{"type":`), mustJSON(r[0])...)
	for i := 1; i+1 < len(r); i += 2 {
		b = append(b, ',')
		b = append(b, mustJSON(r[i])...)
		b = append(b, ':')
		b = append(b, mustJSON(r[i+1])...)
	}
	return append(b, '}'), nil
}

// mustJSON encodes v, which only holds encodable values. Like serde_json,
// it does not escape '<', '>' and '&'.
func mustJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte(`{"error":"tursotest: internal encoding error"}`)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
}
