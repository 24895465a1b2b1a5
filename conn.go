package tursopooled

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"
)

// lease is the pool's hold on one upstream connection: how a conn gives it
// back. Implemented by the connector around a pool handle.
type lease interface {
	release()                           // back to the pool, healthy
	destroy(reason destroyReason)       // closed and replaced
	observe(d time.Duration, err error) // latency of one operation, for the adaptive pool
}

type destroyReason int

const (
	destroyBroken destroyReason = iota
	destroyInTx
)

// conn is the driver.Conn handed to database/sql: one upstream connection on
// loan from the pool, with the cache and compression around its calls. Like
// every driver.Conn it is used by one goroutine at a time.
type conn struct {
	connector *Connector
	up        driver.Conn
	lease     lease
	tx        *tx  // non-nil between BeginTx and Commit/Rollback
	manualTx  bool // inside a BEGIN issued as a plain statement
	bad       bool // the upstream connection failed: destroy instead of release
	closed    bool

	ownsConnector bool  // opened by Driver.Open: closing the conn closes its connector
	usedAt        int64 // UnixNano of the end of the last operation
}

var (
	_ driver.Conn               = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
)

func newConn(c *Connector, up driver.Conn, l lease) *conn {
	return &conn{connector: c, up: up, lease: l, usedAt: time.Now().UnixNano()}
}

// inTx reports whether the connection is inside a transaction, begun either
// through BeginTx or with a BEGIN statement.
func (cn *conn) inTx() bool { return cn.tx != nil || cn.manualTx }

// Prepare implements driver.Conn.
func (cn *conn) Prepare(query string) (driver.Stmt, error) {
	return cn.PrepareContext(context.Background(), query)
}

// PrepareContext implements driver.ConnPrepareContext.
func (cn *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := cn.check(ctx); err != nil {
		return nil, err
	}
	var (
		st  driver.Stmt
		err error
	)
	if p, ok := cn.up.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = cn.up.Prepare(query)
	}
	if err != nil {
		return nil, cn.noteErr(err)
	}
	return &stmt{cn: cn, up: st, query: query}, nil
}

// ExecContext implements driver.ExecerContext.
func (cn *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := cn.check(ctx); err != nil {
		return nil, err
	}
	ex, ok := cn.up.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip // database/sql falls back to Prepare
	}
	return cn.exec(ctx, query, args, ex.ExecContext)
}

// QueryContext implements driver.QueryerContext.
func (cn *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := cn.check(ctx); err != nil {
		return nil, err
	}
	q, ok := cn.up.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	return cn.query(ctx, query, args, q.QueryContext)
}

type execFunc func(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error)

type queryFunc func(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error)

// exec runs a statement through the upstream call run, with compression of
// its arguments and cache invalidation for what it writes.
func (cn *conn) exec(ctx context.Context, query string, args []driver.NamedValue, run execFunc) (driver.Result, error) {
	st := cn.connector.statement(query)
	args, err := cn.connector.encodeArgs(ctx, st, args)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	res, err := run(ctx, query, args)
	cn.lease.observe(time.Since(start), err)
	cn.afterStatement(st, err)
	return res, cn.statementErr(ctx, st, err)
}

// query runs a statement that returns rows: from the cache when it may, else
// through run, decoding compressed values on the way out.
func (cn *conn) query(ctx context.Context, query string, args []driver.NamedValue, run queryFunc) (driver.Rows, error) {
	st := cn.connector.statement(query)
	cached, fill := cn.connector.cacheLookup(ctx, cn, st, args)
	if cached != nil {
		return cached, nil
	}
	encoded, err := cn.connector.encodeArgs(ctx, st, args)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	up, err := run(ctx, query, encoded)
	cn.lease.observe(time.Since(start), err)
	cn.afterStatement(st, err)
	if err != nil {
		return nil, cn.statementErr(ctx, st, err)
	}
	r := newRows(cn.connector, up)
	if fill != nil {
		return fill.materialize(r)
	}
	return r, nil
}

// afterStatement tracks transaction state and invalidates what a write may
// have changed. It runs whether or not the statement failed: a failed
// multi-statement string may have applied part of its writes.
func (cn *conn) afterStatement(st *statement, err error) {
	cn.usedAt = time.Now().UnixNano()
	switch {
	case st.begins() && err == nil:
		cn.manualTx = true
	case st.ends():
		// A COMMIT or ROLLBACK that failed leaves the transaction state
		// unknown (a deferred constraint keeps it open): never hand such a
		// connection to the next user.
		cn.manualTx = false
		if err != nil {
			cn.bad = true
		}
	}
	cn.connector.invalidate(st)
	if cn.tx != nil {
		cn.tx.wrote(st)
	}
}

// Close implements driver.Conn: the upstream connection goes back to the
// pool, or is destroyed when it is broken or still inside a transaction.
func (cn *conn) Close() error {
	if cn.closed {
		return nil
	}
	cn.closed = true
	switch {
	case cn.bad:
		cn.lease.destroy(destroyBroken)
	case cn.inTx():
		cn.lease.destroy(destroyInTx)
	default:
		cn.lease.release()
	}
	if cn.ownsConnector {
		return cn.connector.Close()
	}
	return nil
}

// Begin implements driver.Conn.
func (cn *conn) Begin() (driver.Tx, error) {
	return cn.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx implements driver.ConnBeginTx. Options are passed to the upstream
// driver, which decides what it supports.
func (cn *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := cn.check(ctx); err != nil {
		return nil, err
	}
	var (
		up  driver.Tx
		err error
	)
	if b, ok := cn.up.(driver.ConnBeginTx); ok {
		up, err = b.BeginTx(ctx, opts)
	} else {
		//lint:ignore SA1019 the upstream connection offers only Begin
		up, err = cn.up.Begin()
	}
	if err != nil {
		return nil, cn.noteErr(err)
	}
	cn.tx = &tx{cn: cn, up: up}
	return cn.tx, nil
}

// Ping implements driver.Pinger.
func (cn *conn) Ping(ctx context.Context) error {
	if err := cn.check(ctx); err != nil {
		return err
	}
	return cn.noteErr(pingUpstream(ctx, cn.up))
}

// ResetSession implements driver.SessionResetter: a broken connection is
// reported as driver.ErrBadConn so that database/sql discards it. A
// connection idle since before another one broke is probed first: whatever
// broke that one (a dropped network, a server restart) has usually broken
// this one too, and it is cheaper to find out now than in the next query.
func (cn *conn) ResetSession(ctx context.Context) error {
	if cn.bad {
		return driver.ErrBadConn
	}
	if cn.usedAt < cn.connector.lastBroken.Load() {
		cn.usedAt = time.Now().UnixNano()
		if pingUpstream(ctx, cn.up) != nil {
			cn.bad = true
			return driver.ErrBadConn
		}
	}
	if cn.connector.transport == transportHTTP {
		return cn.noteErr(cn.connector.refreshStream(ctx, cn.up, cn.usedAt))
	}
	if r, ok := cn.up.(driver.SessionResetter); ok {
		return cn.noteErr(r.ResetSession(ctx))
	}
	return nil
}

// IsValid implements driver.Validator. database/sql calls it before it keeps
// a connection in its own idle list. While callers are queued in the pool,
// it answers false so that database/sql closes this wrapper and the upstream
// connection goes back through the pool's FIFO queue: otherwise connections
// cycle among the callers that happen to find database/sql's idle list
// non-empty, and the queued ones starve (a long tail of acquire waits).
func (cn *conn) IsValid() bool {
	if cn.bad || cn.closed || cn.connector.pool.Contended() {
		return false
	}
	if v, ok := cn.up.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// CheckNamedValue implements driver.NamedValueChecker by deferring to the
// upstream connection when it has its own checker, and to database/sql's
// default conversion otherwise (driver.ErrSkip).
func (cn *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := cn.up.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// check fails fast on a canceled context or a closed connection.
func (cn *conn) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if cn.closed {
		return driver.ErrBadConn
	}
	return nil
}

// noteErr marks the connection broken when err says the upstream connection
// is unusable, and returns err unchanged.
func (cn *conn) noteErr(err error) error {
	if err != nil && isConnBroken(err) {
		cn.bad = true
	}
	return err
}

// statementErr is noteErr for statements, deciding what database/sql may
// retry. database/sql retries (on another connection) every statement that
// returned driver.ErrBadConn, so the driver returns it only when nothing can
// have been applied twice:
//   - a statement that broke its connection before it could run on the
//     server (see notSent) is safe to run again;
//   - a read-only statement that failed because its connection broke is safe
//     to run again too;
//   - a statement that is not read-only and lost its connection after it may
//     have reached the server must not run twice, so driver.ErrBadConn from
//     the upstream becomes [MaybeAppliedError].
//
// Inside a transaction nothing is retried (database/sql does not either).
func (cn *conn) statementErr(ctx context.Context, st *statement, err error) error {
	if err == nil {
		return nil
	}
	cn.noteErr(err)
	badConn := errors.Is(err, driver.ErrBadConn)
	broken := badConn || isConnBroken(err)
	switch {
	case ctx.Err() != nil || cn.inTx() || !broken:
		return err
	case notSent(err) || st.readOnly():
		if badConn {
			return err
		}
		return fmt.Errorf("%w: %w", driver.ErrBadConn, err)
	case badConn:
		return &MaybeAppliedError{Err: err}
	}
	return err
}
