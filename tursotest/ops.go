package tursotest

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
)

// maxStoredSQL is how many SQL texts a stream may store (MAX_SQL_COUNT,
// libsql-server/src/hrana/http/request.rs:9).
const maxStoredSQL = 50

// namedOrdinal is added to the slot index of a named parameter's value so
// that modernc.org/sqlite matches it by name only (see bindArgs); it is
// beyond any ?NNN (SQLite allows at most 32766).
const namedOrdinal = 1 << 30

// ops runs the stream requests shared by Hrana over HTTP and WebSocket.
type ops struct {
	eng     *engine
	version int
	profile Profile
	// sqls holds the SQL texts stored with store_sql: per stream over HTTP,
	// per connection over WebSocket.
	sqls map[int32]string
	// session is set once a statement changed the connection's session
	// state (see WithStatelessClose).
	session bool
}

// notSupported is the protocol error for a request or field that needs a
// newer protocol version (ProtocolError::NotSupported,
// libsql-server/src/hrana/mod.rs:70-74); what is sqld's wording, such as
// "The `get_autocommit` request".
func notSupported(what string, min int) error {
	return &protoError{msg: fmt.Sprintf("%s is only supported in protocol version hrana%d and higher", what, min)}
}

// notSupportedRequest is notSupported for a request type.
func notSupportedRequest(typ string, min int) error {
	return notSupported("The `"+typ+"` request", min)
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
			return nil, notSupportedRequest(req.Type, hrana2)
		}
		return o.handleV2(ctx, s, req)
	case "get_autocommit":
		if o.version < hrana3 {
			return nil, notSupportedRequest(req.Type, hrana3)
		}
		auto, err := o.eng.autocommit(ctx, s)
		if err != nil {
			return nil, err
		}
		return okResponse("get_autocommit", "is_autocommit", auto), nil
	}
	return nil, &protoError{msg: fmt.Sprintf("request type %q is not recognized", req.Type)}
}

// handleV2 runs the requests introduced in Hrana 2. store_sql and close_sql
// do not use s, which is nil on a closed HTTP stream.
func (o *ops) handleV2(ctx context.Context, s *dbStream, req *streamReq) (response, error) {
	switch req.Type {
	case "sequence":
		text, err := o.resolveSQL(req.SQL, req.SQLID)
		if err != nil {
			return nil, err
		}
		stmts := splitSQL(text)
		for i := range stmts {
			o.noteSession(&stmts[i])
		}
		if err := o.eng.sequence(ctx, s, stmts); err != nil {
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
		return o.storeSQL(req)
	default: // close_sql
		if req.SQLID == nil {
			return nil, &protoError{msg: `close_sql request needs "sql_id"`}
		}
		delete(o.sqls, *req.SQLID)
		return okResponse("close_sql"), nil
	}
}

// storeSQL runs store_sql. sqld refuses an id in use as a protocol error,
// then more than maxStoredSQL texts (libsql-server/src/hrana/http/request.rs:109-123);
// Turso Cloud replaces the text of an id in use (PROTOCOL.md 6.5).
func (o *ops) storeSQL(req *streamReq) (response, error) {
	if req.SQLID == nil || req.SQL == nil {
		return nil, &protoError{msg: `store_sql request needs "sql_id" and "sql"`}
	}
	id := *req.SQLID
	_, exists := o.sqls[id]
	switch {
	case exists && o.profile.sqldLike():
		return nil, &protoError{msg: fmt.Sprintf("SQL text %d already exists", id)}
	case !exists && len(o.sqls) >= maxStoredSQL:
		// StreamResponseError::SqlTooMany (request.rs:15-16, 175).
		return nil, &hranaError{
			Message: fmt.Sprintf("The server already stores %d SQL texts, it cannot store more", len(o.sqls)),
			Code:    "SQL_STORE_TOO_MANY",
		}
	}
	o.sqls[id] = *req.SQL
	return okResponse("store_sql"), nil
}

// resolveSQL returns the SQL text given directly or by a stored id
// (proto_sql_to_sql, libsql-server/src/hrana/stmt.rs:131-153).
func (o *ops) resolveSQL(sql *string, id *int32) (string, error) {
	if id != nil && o.version < hrana2 {
		return "", notSupported("`sql_id`", hrana2)
	}
	switch {
	case sql != nil && id != nil:
		return "", &protoError{msg: "Either `sql` or `sql_id` are required, but not both"}
	case sql != nil:
		return *sql, nil
	case id != nil:
		text, ok := o.sqls[*id]
		if !ok {
			return "", &protoError{msg: fmt.Sprintf("SQL text %d not found", *id)}
		}
		return text, nil
	}
	return "", &protoError{msg: "Either `sql` or `sql_id` are required"}
}

// parseOne resolves an SQL text that must hold exactly one statement
// (StmtError::SqlNoStmt and SqlManyStmts, stmt.rs:21-24 and 92-101).
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

// compile checks a Stmt as sqld's proto_stmt_to_query does before anything
// runs (stmt.rs:85-129): its SQL, then that it does not mix positional and
// named arguments.
func (o *ops) compile(req *stmtReq) (*sqlStmt, error) {
	st, err := o.parseOne(req.SQL, req.SQLID)
	if err != nil {
		return nil, err
	}
	if len(req.Args) > 0 && len(req.NamedArgs) > 0 {
		return nil, &hranaError{
			Message: "Specifying both positional and named arguments is not supported",
			Code:    "ARGS_BOTH_POSITIONAL_AND_NAMED",
		}
	}
	return st, nil
}

// execute runs one Stmt.
func (o *ops) execute(ctx context.Context, s *dbStream, req *stmtReq) (*stmtResult, error) {
	st, err := o.compile(req)
	if err != nil {
		return nil, err
	}
	return o.run(ctx, s, st, req)
}

// run binds and executes a compiled Stmt.
func (o *ops) run(ctx context.Context, s *dbStream, st *sqlStmt, req *stmtReq) (*stmtResult, error) {
	args, err := bindArgs(st, req, o.profile)
	if err != nil {
		return nil, err
	}
	o.noteSession(st)
	return o.eng.execute(ctx, s, st, args, req.WantRows == nil || *req.WantRows)
}

// noteSession records a statement that changes the connection's session
// state, which keeps a stream open under WithStatelessClose.
func (o *ops) noteSession(st *sqlStmt) {
	kw := st.keywords
	switch {
	case len(kw) == 0:
	case kw[0] == "PRAGMA", kw[0] == "ATTACH", kw[0] == "DETACH":
		o.session = true
	case kw[0] == "CREATE" && len(kw) > 1 && (kw[1] == "TEMP" || kw[1] == "TEMPORARY"):
		o.session = true
	}
}

// batch runs the steps of a Batch whose conditions hold. Like sqld's
// proto_batch_to_program (libsql-server/src/hrana/batch.rs:86-105), it first
// checks every step's statement and condition: an error there fails the
// whole batch (a *hranaError) or the request (a *protoError), and no step
// runs. A step's "ok" is true when it ran and succeeded, and "error" is its
// negation, true also for a skipped step (eval_cond,
// src/connection/program.rs:320-338; PROTOCOL.md 6.2.1).
func (o *ops) batch(ctx context.Context, s *dbStream, b *batchReq) (*batchResult, error) {
	n := len(b.Steps)
	stmts := make([]*sqlStmt, n)
	for i := range b.Steps {
		st, err := o.compile(&b.Steps[i].Stmt)
		if err != nil {
			return nil, err
		}
		if c := b.Steps[i].Condition; c != nil {
			if err := o.checkCond(c, i); err != nil {
				return nil, err
			}
		}
		stmts[i] = st
	}
	res := &batchResult{StepResults: make([]*stmtResult, n), StepErrors: make([]*hranaError, n)}
	ok := make([]bool, n)
	for i := range b.Steps {
		if c := b.Steps[i].Condition; c != nil {
			run, err := o.evalCond(ctx, s, c, ok)
			if he, isHrana := err.(*hranaError); isHrana {
				res.StepErrors[i] = he
				continue
			}
			if err != nil {
				return nil, err
			}
			if !run {
				continue
			}
		}
		r, err := o.run(ctx, s, stmts[i], &b.Steps[i].Stmt)
		if he, isHrana := err.(*hranaError); isHrana {
			res.StepErrors[i] = he
			continue
		}
		if err != nil {
			return nil, err
		}
		res.StepResults[i], ok[i] = r, true
	}
	return res, nil
}

// condVariants are the BatchCond types serde accepts
// (libsql-hrana/src/proto.rs:361-379).
const condVariants = "`ok`, `error`, `not`, `and`, `or`, `is_autocommit`"

// checkCond validates the condition of step cur as proto_cond_to_cond does
// (libsql-server/src/hrana/batch.rs:32-84).
func (o *ops) checkCond(c *batchCond, cur int) error {
	switch c.Type {
	case "ok", "error":
		if c.Step == nil {
			return &protoError{msg: "Cannot deserialize client message from JSON: missing field `step`"}
		}
		if int64(*c.Step) >= int64(cur) {
			return &protoError{msg: "Invalid reference to step in a batch condition"}
		}
	case "not":
		if c.Cond == nil {
			return &protoError{msg: "Cannot deserialize client message from JSON: missing field `cond`"}
		}
		return o.checkCond(c.Cond, cur)
	case "and", "or":
		for i := range c.Conds {
			if err := o.checkCond(&c.Conds[i], cur); err != nil {
				return err
			}
		}
	case "is_autocommit":
		if o.version < hrana3 {
			return notSupported("BatchCond of type `is_autocommit`", hrana3)
		}
	default:
		return &protoError{msg: "Cannot deserialize client message from JSON: unknown variant `" + c.Type + "`, expected one of " + condVariants}
	}
	return nil
}

// evalCond evaluates a checked condition; ok holds each earlier step's
// success.
func (o *ops) evalCond(ctx context.Context, s *dbStream, c *batchCond, ok []bool) (bool, error) {
	switch c.Type {
	case "ok":
		return ok[*c.Step], nil
	case "error":
		return !ok[*c.Step], nil
	case "not":
		v, err := o.evalCond(ctx, s, c.Cond, ok)
		return !v, err
	case "and", "or":
		and := c.Type == "and"
		res := and
		for i := range c.Conds {
			v, err := o.evalCond(ctx, s, &c.Conds[i], ok)
			if err != nil {
				return false, err
			}
			if and {
				res = res && v
			} else {
				res = res || v
			}
		}
		return res, nil
	}
	return o.eng.autocommit(ctx, s) // is_autocommit
}

// argsInvalid is StmtError::ArgsInvalid (stmt.rs:25-26, 265): a binding
// error from Params::bind.
func argsInvalid(format string, a ...any) error {
	return &hranaError{Message: "Arguments do not match SQL parameters: " + fmt.Sprintf(format, a...), Code: "ARGS_INVALID"}
}

// bindArgs matches a Stmt's arguments to the statement's parameters as
// sqld's Params::bind does (libsql-server/src/query.rs:111-161), slot by
// slot in SQLite's order: a nameless slot takes the positional argument of
// its index, "?NNN" the positional argument NNN, a named slot (":a", "@a",
// "$a") the named argument given with its prefix or, failing that, without
// (Turso Cloud matches names with the prefix stripped on both sides,
// PROTOCOL.md 8.1). So "SELECT :b, :a, ?1" binds with named arguments a
// and b: "?1" is slot 1, which SQLite names ":b". More arguments than slots
// is an error; for EXPLAIN, binding stops at the first missing value.
func bindArgs(st *sqlStmt, req *stmtReq, p Profile) ([]driver.NamedValue, error) {
	named := len(req.NamedArgs) > 0
	count := len(req.Args)
	var byName map[string]*inValue
	if named {
		byName = make(map[string]*inValue, len(req.NamedArgs))
		for i := range req.NamedArgs {
			name := req.NamedArgs[i].Name
			if p == ProfileTursoCloud && name != "" && strings.IndexByte(":@$", name[0]) >= 0 {
				name = name[1:]
			}
			byName[name] = &req.NamedArgs[i].Value // later ones win, as collecting into a HashMap
		}
		count = len(byName)
	}
	n := len(st.params)
	if count > n {
		return nil, argsInvalid("too many parameters, expected %d found %d", n, count)
	}
	vals := make([]any, n)
slots:
	for idx := 1; idx <= n; idx++ {
		name := st.params[idx-1]
		var v *inValue
		switch {
		case name == "":
			if !named && idx <= len(req.Args) {
				v = &req.Args[idx-1]
			}
		case name[0] == '?':
			if pos, _ := strconv.Atoi(name[1:]); !named && pos >= 1 && pos <= len(req.Args) {
				v = &req.Args[pos-1]
			}
		case p == ProfileTursoCloud:
			v = byName[name[1:]]
		default:
			if v = byName[name]; v == nil {
				v = byName[name[1:]]
			}
		}
		if v == nil {
			if st.isExplain() {
				break slots // the remaining slots stay NULL
			}
			if name == "" {
				name = strconv.Itoa(idx)
			}
			return nil, argsInvalid("value for parameter %s not found", name)
		}
		x, err := v.toDriver()
		if err != nil {
			return nil, &hranaError{Message: "invalid value for parameter " + st.params[idx-1] + ": " + err.Error(), Code: "ARGS_INVALID"}
		}
		vals[idx-1] = x
	}
	return slotValues(st, vals), nil
}

// slotValues lays out one value per slot for modernc.org/sqlite, which binds
// a nameless or ?NNN slot by ordinal and a named slot by the name without
// its prefix: named slots come first, with ordinals beyond any slot index so
// that no ?NNN matches them. (Two named slots that differ only in their
// prefix, like :a and @a, both get the first one's value.)
func slotValues(st *sqlStmt, vals []any) []driver.NamedValue {
	if len(vals) == 0 {
		return nil
	}
	out := make([]driver.NamedValue, 0, len(vals))
	for i, name := range st.params {
		if name != "" && name[0] != '?' {
			out = append(out, driver.NamedValue{Name: name[1:], Ordinal: namedOrdinal + i + 1, Value: vals[i]})
		}
	}
	for i, name := range st.params {
		if name == "" || name[0] == '?' {
			out = append(out, driver.NamedValue{Ordinal: i + 1, Value: vals[i]})
		}
	}
	return out
}
