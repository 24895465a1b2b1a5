package tursopooled

import (
	"context"
	"database/sql/driver"
	"sync/atomic"

	"github.com/turso-pooled/tursopooled/internal/relay"
)

// httpConn is an upstream Hrana-over-HTTP connection that follows the
// server's lifetime of its stream. The upstream connection (cur) is one
// stream after another: it opens one with its first request, keeps the
// baton each answer carries, and, when an answer carries a null baton (a
// server may close a stateless stream after any answer, Turso Cloud's
// PROTOCOL.md section 4.3), remembers the stream as closed and refuses
// every later request, locally, with its "stream is closed" form — even
// after ResetSession. A null baton means the server found the stream
// stateless (no transaction, no session state), so a new stream is
// equivalent: when a call meets that refusal after answers of the server
// only (no error since the last reset) and the driver follows no
// transaction or session state on it, httpConn replaces cur with a fresh
// upstream connection (no I/O) and makes the call there. After an error the
// refusal stands, as the error classification expects.
//
// Through the relay, each httpConn labels its requests (relay.StreamHeaderName)
// so that the relay can tell it what the server said of its stream
// (stream_ttl_ms, see [Connector.refreshStream]).
//
// Like every driver.Conn it is used by one goroutine at a time.
type httpConn struct {
	open   func(ctx context.Context) (driver.Conn, error) // a new upstream connection, without I/O
	cur    driver.Conn
	rl     *relay.Relay // nil without the relay
	label  string       // the relay's label of this connection's requests
	clean  bool         // no call failed since cur was opened or reset
	inTx   bool         // a transaction begun with BeginTx is open on cur
	closed bool
	// stateful reports whether the conn using h follows session state on
	// cur that a fresh stream would not have (a transaction begun by a
	// statement, savepoints, TEMP objects, pragmas); nil: none. Set by
	// newConn for each lease.
	stateful func() bool
}

var (
	_ driver.Conn               = (*httpConn)(nil)
	_ driver.ConnPrepareContext = (*httpConn)(nil)
	_ driver.ExecerContext      = (*httpConn)(nil)
	_ driver.QueryerContext     = (*httpConn)(nil)
	_ driver.ConnBeginTx        = (*httpConn)(nil)
	_ driver.SessionResetter    = (*httpConn)(nil)
)

// labelSeq numbers stream labels within the process.
var labelSeq atomic.Uint64

// newHTTPConn returns an httpConn whose upstream connections come from open.
func newHTTPConn(ctx context.Context, open func(context.Context) (driver.Conn, error), rl *relay.Relay, label string) (*httpConn, error) {
	cur, err := open(ctx)
	if err != nil {
		return nil, err
	}
	return &httpConn{open: open, cur: cur, rl: rl, label: label, clean: true}, nil
}

// streamInfo returns what the relay saw of the connection's stream.
func (h *httpConn) streamInfo() (relay.StreamInfo, bool) {
	if h.rl == nil {
		return relay.StreamInfo{}, false
	}
	return h.rl.Stream(h.label)
}

// do runs call on cur and, when the server had closed cur's stream with a
// null baton, once more on a fresh upstream connection.
func (h *httpConn) do(ctx context.Context, call func(driver.Conn) error) error {
	err := call(h.cur)
	if err != nil && h.clean && !h.inTx && (h.stateful == nil || !h.stateful()) && serverClosedStream(err) {
		next, oerr := h.open(ctx)
		if oerr != nil {
			return err
		}
		_ = h.cur.Close() // sends nothing: its stream is closed
		h.cur = next
		err = call(h.cur)
	}
	if err != nil {
		h.clean = false
	}
	return err
}

// serverClosedStream reports whether err is the upstream's local refusal of
// a request on a stream it knows closed.
func serverClosedStream(err error) bool {
	f, ok := matchUpstreamForm(err)
	return ok && f.name == "http stream closed"
}

// Prepare implements driver.Conn.
func (h *httpConn) Prepare(query string) (driver.Stmt, error) {
	return h.PrepareContext(context.Background(), query)
}

// PrepareContext implements driver.ConnPrepareContext. The statement runs
// on whichever upstream connection is current when it runs.
func (h *httpConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var st driver.Stmt
	err := h.do(ctx, func(c driver.Conn) error {
		var err error
		if p, ok := c.(driver.ConnPrepareContext); ok {
			st, err = p.PrepareContext(ctx, query)
		} else {
			st, err = c.Prepare(query)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &httpStmt{h: h, up: st, query: query}, nil
}

// ExecContext implements driver.ExecerContext.
func (h *httpConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	var res driver.Result
	err := h.do(ctx, func(c driver.Conn) error {
		ex, ok := c.(driver.ExecerContext)
		if !ok {
			return driver.ErrSkip
		}
		var err error
		res, err = ex.ExecContext(ctx, query, args)
		return err
	})
	return res, err
}

// QueryContext implements driver.QueryerContext.
func (h *httpConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	var rows driver.Rows
	err := h.do(ctx, func(c driver.Conn) error {
		q, ok := c.(driver.QueryerContext)
		if !ok {
			return driver.ErrSkip
		}
		var err error
		rows, err = q.QueryContext(ctx, query, args)
		return err
	})
	return rows, err
}

// PingContext runs a round trip, as the upstream connection's PingContext.
func (h *httpConn) PingContext(ctx context.Context) error {
	return h.do(ctx, func(c driver.Conn) error { return pingUpstream(ctx, c) })
}

// Begin implements driver.Conn.
func (h *httpConn) Begin() (driver.Tx, error) {
	return h.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx implements driver.ConnBeginTx.
func (h *httpConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	var tx driver.Tx
	err := h.do(ctx, func(c driver.Conn) error {
		var err error
		if b, ok := c.(driver.ConnBeginTx); ok {
			tx, err = b.BeginTx(ctx, opts)
		} else {
			//lint:ignore SA1019 the upstream connection offers only Begin
			tx, err = c.Begin()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	h.inTx = true
	return &httpTx{h: h, up: tx}, nil
}

// ResetSession implements driver.SessionResetter: the upstream connection
// drops its stream (in the background) and the next request opens one.
func (h *httpConn) ResetSession(ctx context.Context) error {
	h.inTx = false
	if r, ok := h.cur.(driver.SessionResetter); ok {
		if err := r.ResetSession(ctx); err != nil {
			return err
		}
	}
	h.clean = true
	return nil
}

// Close implements driver.Conn.
func (h *httpConn) Close() error {
	if h.closed {
		return nil
	}
	h.closed = true
	if h.rl != nil {
		h.rl.ForgetStream(h.label)
	}
	return h.cur.Close()
}

// httpTx is a transaction begun on an httpConn.
type httpTx struct {
	h  *httpConn
	up driver.Tx
}

// Commit implements driver.Tx.
func (t *httpTx) Commit() error { return t.end(t.up.Commit()) }

// Rollback implements driver.Tx.
func (t *httpTx) Rollback() error { return t.end(t.up.Rollback()) }

// end records the end of the transaction.
func (t *httpTx) end(err error) error {
	t.h.inTx = false
	if err != nil {
		t.h.clean = false
	}
	return err
}

// httpStmt is a statement prepared on an httpConn. The upstream statement
// only remembers its SQL and runs it on its connection, so it runs it on
// the httpConn's current one.
type httpStmt struct {
	h     *httpConn
	up    driver.Stmt
	query string
}

var (
	_ driver.StmtExecContext  = (*httpStmt)(nil)
	_ driver.StmtQueryContext = (*httpStmt)(nil)
)

// Close implements driver.Stmt.
func (s *httpStmt) Close() error { return s.up.Close() }

// NumInput implements driver.Stmt.
func (s *httpStmt) NumInput() int { return s.up.NumInput() }

// Exec implements driver.Stmt.
func (s *httpStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), upstreamOrdinals(args))
}

// Query implements driver.Stmt.
func (s *httpStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), upstreamOrdinals(args))
}

// ExecContext implements driver.StmtExecContext.
func (s *httpStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.h.ExecContext(ctx, s.query, args)
}

// QueryContext implements driver.StmtQueryContext.
func (s *httpStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.h.QueryContext(ctx, s.query, args)
}

// upstreamOrdinals converts positional values as the upstream statement's
// Exec and Query do (ordinals from 0, hranaV2.go convertToNamed).
func upstreamOrdinals(args []driver.Value) []driver.NamedValue {
	if len(args) == 0 {
		return nil
	}
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i, Value: v}
	}
	return out
}
