package tursotest

import (
	"context"
	"database/sql/driver"
	"fmt"
)

// ops runs the stream requests shared by Hrana over HTTP and WebSocket.
type ops struct {
	eng     *engine
	version int
	// sqls holds the SQL texts stored with store_sql: per stream over HTTP,
	// per connection over WebSocket.
	sqls map[int32]string
}

// notSupported is the protocol error for a request or field that needs a
// newer protocol version.
func notSupported(what string, min int) error {
	return &protoError{msg: fmt.Sprintf("%s is only supported in protocol version hrana%d and higher", what, min)}
}

// handle runs one execute, batch, sequence, describe, store_sql, close_sql
// or get_autocommit request. A *hranaError fails only this request; a
// *protoError is a protocol violation.
func (o *ops) handle(ctx context.Context, s *dbStream, req *streamReq) (response, error) {
	switch req.Type {
	case "execute":
		if req.Stmt == nil {
			return nil, &protoError{msg: `execute request has no "stmt"`}
		}
		res, err := o.execute(ctx, s, req.Stmt)
		if err != nil {
			return nil, err
		}
		return okResponse("execute", "result", res), nil
	case "batch":
		if req.Batch == nil {
			return nil, &protoError{msg: `batch request has no "batch"`}
		}
		res, err := o.batch(ctx, s, req.Batch)
		if err != nil {
			return nil, err
		}
		return okResponse("batch", "result", res), nil
	case "sequence", "describe", "store_sql", "close_sql":
		if o.version < hrana2 {
			return nil, notSupported(req.Type+" request", hrana2)
		}
		return o.handleV2(ctx, s, req)
	case "get_autocommit":
		if o.version < hrana3 {
			return nil, notSupported("get_autocommit request", hrana3)
		}
		auto, err := o.eng.autocommit(ctx, s)
		if err != nil {
			return nil, err
		}
		return okResponse("get_autocommit", "is_autocommit", auto), nil
	}
	return nil, &protoError{msg: fmt.Sprintf("request type %q is not recognized", req.Type)}
}

// handleV2 runs the requests introduced in Hrana 2.
func (o *ops) handleV2(ctx context.Context, s *dbStream, req *streamReq) (response, error) {
	switch req.Type {
	case "sequence":
		text, err := o.resolveSQL(req.SQL, req.SQLID)
		if err != nil {
			return nil, err
		}
		if err := o.eng.sequence(ctx, s, splitSQL(text)); err != nil {
			return nil, err
		}
		return okResponse("sequence"), nil
	case "describe":
		st, err := o.parseOne(req.SQL, req.SQLID)
		if err != nil {
			return nil, err
		}
		res, err := o.eng.describe(ctx, s, st)
		if err != nil {
			return nil, err
		}
		return okResponse("describe", "result", res), nil
	case "store_sql":
		if req.SQLID == nil || req.SQL == nil {
			return nil, &protoError{msg: `store_sql request needs "sql_id" and "sql"`}
		}
		if _, ok := o.sqls[*req.SQLID]; ok {
			return nil, &protoError{msg: fmt.Sprintf("SQL text %d already exists", *req.SQLID)}
		}
		o.sqls[*req.SQLID] = *req.SQL
		return okResponse("store_sql"), nil
	default: // close_sql
		if req.SQLID == nil {
			return nil, &protoError{msg: `close_sql request needs "sql_id"`}
		}
		delete(o.sqls, *req.SQLID)
		return okResponse("close_sql"), nil
	}
}

// resolveSQL returns the SQL text given directly or by a stored id.
func (o *ops) resolveSQL(sql *string, id *int32) (string, error) {
	switch {
	case sql != nil && id != nil:
		return "", &protoError{msg: "Either `sql` or `sql_id` are required, but not both"}
	case sql != nil:
		return *sql, nil
	case id != nil:
		if o.version < hrana2 {
			return "", notSupported("sql_id", hrana2)
		}
		text, ok := o.sqls[*id]
		if !ok {
			return "", &protoError{msg: fmt.Sprintf("SQL text %d not found", *id)}
		}
		return text, nil
	}
	return "", &protoError{msg: "Either `sql` or `sql_id` are required"}
}

// parseOne resolves an SQL text that must hold exactly one statement.
func (o *ops) parseOne(sql *string, id *int32) (*sqlStmt, error) {
	text, err := o.resolveSQL(sql, id)
	if err != nil {
		return nil, err
	}
	stmts := splitSQL(text)
	switch len(stmts) {
	case 0:
		return nil, &hranaError{Message: "SQL string does not contain any statement", Code: "SQL_NO_STATEMENT"}
	case 1:
		return &stmts[0], nil
	}
	return nil, &hranaError{Message: "SQL string contains more than one statement", Code: "SQL_MANY_STATEMENTS"}
}

// execute runs one Stmt.
func (o *ops) execute(ctx context.Context, s *dbStream, req *stmtReq) (*stmtResult, error) {
	st, err := o.parseOne(req.SQL, req.SQLID)
	if err != nil {
		return nil, err
	}
	args, err := bindArgs(st, req)
	if err != nil {
		return nil, err
	}
	return o.eng.execute(ctx, s, st, args, req.WantRows == nil || *req.WantRows)
}

// batch runs the steps of a Batch whose conditions hold.
func (o *ops) batch(ctx context.Context, s *dbStream, b *batchReq) (*batchResult, error) {
	n := len(b.Steps)
	res := &batchResult{StepResults: make([]*stmtResult, n), StepErrors: make([]*hranaError, n)}
	for i := range b.Steps {
		step := &b.Steps[i]
		if step.Condition != nil {
			ok, err := o.evalCond(ctx, s, step.Condition, i, res)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		r, err := o.execute(ctx, s, &step.Stmt)
		if he, ok := err.(*hranaError); ok {
			res.StepErrors[i] = he
			continue
		}
		if err != nil {
			return nil, err
		}
		res.StepResults[i] = r
	}
	return res, nil
}

// evalCond evaluates the condition of step cur.
func (o *ops) evalCond(ctx context.Context, s *dbStream, c *batchCond, cur int, res *batchResult) (bool, error) {
	switch c.Type {
	case "ok", "error":
		if c.Step == nil || int64(*c.Step) >= int64(cur) {
			return false, &protoError{msg: "Invalid reference to step in a batch condition"}
		}
		if c.Type == "ok" {
			return res.StepResults[*c.Step] != nil, nil
		}
		return res.StepErrors[*c.Step] != nil, nil
	case "not":
		if c.Cond == nil {
			return false, &protoError{msg: `"not" batch condition has no "cond"`}
		}
		v, err := o.evalCond(ctx, s, c.Cond, cur, res)
		return !v, err
	case "and", "or":
		want := c.Type == "or" // the value that decides the result early
		for i := range c.Conds {
			v, err := o.evalCond(ctx, s, &c.Conds[i], cur, res)
			if err != nil || v == want {
				return want, err
			}
		}
		return !want, nil
	case "is_autocommit":
		if o.version < hrana3 {
			return false, notSupported("is_autocommit batch condition", hrana3)
		}
		return o.eng.autocommit(ctx, s)
	}
	return false, &protoError{msg: fmt.Sprintf("batch condition type %q is not recognized", c.Type)}
}

// bindArgs matches a Stmt's arguments to the statement's parameters like
// sqld: "?" and "?NNN" take positional arguments; ":a", "@a" and "$a" take
// the named argument "a" given with or without its prefix. Named arguments
// that the statement does not use are ignored.
func bindArgs(st *sqlStmt, req *stmtReq) ([]driver.NamedValue, error) {
	if len(req.Args) > len(st.params) {
		return nil, &hranaError{
			Message: fmt.Sprintf("too many parameters, expected %d found %d", len(st.params), len(req.Args)),
			Code:    "ARGS_INVALID",
		}
	}
	if len(st.params) == 0 {
		return nil, nil
	}
	out := make([]driver.NamedValue, len(st.params))
	for i, name := range st.params {
		v, err := argFor(name, i+1, req)
		if err != nil {
			return nil, err
		}
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
		if name != "" && name[0] != '?' {
			out[i].Name = name[1:]
		}
	}
	return out, nil
}

// argFor returns the value for parameter index idx named name.
func argFor(name string, idx int, req *stmtReq) (any, error) {
	var v *inValue
	if name == "" || name[0] == '?' {
		if idx <= len(req.Args) {
			v = &req.Args[idx-1]
		}
	} else {
		for i := range req.NamedArgs {
			if n := req.NamedArgs[i].Name; n == name || n == name[1:] {
				v = &req.NamedArgs[i].Value
				break
			}
		}
	}
	if v == nil {
		label := name
		if label == "" {
			label = fmt.Sprint(idx)
		}
		return nil, &hranaError{Message: "value for parameter " + label + " not found", Code: "ARGS_INVALID"}
	}
	x, err := v.toDriver()
	if err != nil {
		return nil, &hranaError{Message: "invalid value for parameter " + name + ": " + err.Error(), Code: "ARGS_INVALID"}
	}
	return x, nil
}
