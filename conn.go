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
	destroyBroken  destroyReason = iota
	destroySession               // released with a transaction or session state a fresh connection lacks
)

// conn is the driver.Conn handed to database/sql: one upstream connection on
// loan from the pool, with the cache and compression around its calls. Like
// every driver.Conn it is used by one goroutine at a time.
type conn struct {
	connector *Connector
	uc        *upstreamConn // the pooled connection and its record of use
	up        driver.Conn   // uc.Conn
	lease     lease
	tx        *tx     // non-nil between BeginTx and Commit/Rollback
	sess      session // transaction and session state, see session.go
	bad       bool    // the upstream connection failed: destroy instead of release
	closed    bool

	ownsConnector bool // opened by Driver.Open: closing the conn closes its connector
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

func newConn(c *Connector, uc *upstreamConn, l lease) *conn {
	uc.touch()
	cn := &conn{connector: c, uc: uc, up: uc.Conn, lease: l}
	if hc, ok := uc.Conn.(*httpConn); ok {
		hc.stateful = func() bool { return !cn.sess.clean() }
	}
	return cn
}

// inTx reports whether the connection may be inside a transaction, begun
// through BeginTx or with a BEGIN or SAVEPOINT statement.
func (cn *conn) inTx() bool { return cn.sess.inTx() }

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
	if err := cn.preflightErr(cn.connector.loadForWrite(ctx, cn, st)); err != nil {
		return nil, err
	}
	args, err := cn.connector.encodeArgs(ctx, cn, st, args)
	if err := cn.preflightErr(err); err != nil {
		return nil, err
	}
	start := time.Now()
	res, err := run(ctx, query, args)
	cn.lease.observe(time.Since(start), err)
	cn.afterStatement(st, args, err)
	return res, cn.statementErr(ctx, st, err)
}

// query runs a statement that returns rows: from the cache when it may, else
// through run, decoding compressed values on the way out.
func (cn *conn) query(ctx context.Context, query string, args []driver.NamedValue, run queryFunc) (driver.Rows, error) {
	st := cn.connector.statement(query)
	cached, fill, err := cn.connector.cacheLookup(ctx, cn, st, args)
	defer fill.done()
	if err := cn.preflightErr(err); err != nil {
		return nil, err
	}
	if cached != nil {
		return cached, nil
	}
	if err := cn.preflightErr(cn.connector.loadForWrite(ctx, cn, st)); err != nil {
		return nil, err
	}
	encoded, err := cn.connector.encodeArgs(ctx, cn, st, args)
	if err := cn.preflightErr(err); err != nil {
		return nil, err
	}
	start := time.Now()
	up, err := run(ctx, query, encoded)
	cn.lease.observe(time.Since(start), err)
	cn.afterStatement(st, encoded, err)
	if err != nil {
		return nil, cn.statementErr(ctx, st, err)
	}
	r := newRows(cn.connector, up)
	if fill != nil {
		return fill.materialize(r)
	}
	return r, nil
}

// afterStatement tracks transaction and session state and invalidates what
// a write run with args (as sent) may have changed. It runs whether or not
// the statement failed: a failed multi-statement string may have applied
// part of its writes. A transaction the statement ended invalidates its
// writes again.
func (cn *conn) afterStatement(st *statement, args []driver.NamedValue, err error) {
	cn.uc.touch()
	ended := cn.sess.apply(st, err)
	cn.sess.noteWrite(cn.invalidate(st, args))
	for _, w := range ended {
		cn.invalidateAgain(w)
	}
}

// invalidate drops the cached results a write on this connection, run with
// args, may have changed, and returns what its transaction must invalidate
// again when it ends. On a connection with session state (TEMP objects,
// whose triggers may write anything; ATTACHed databases; pragmas) a write
// drops them all.
func (cn *conn) invalidate(st *statement, args []driver.NamedValue) txWrite {
	cn.connector.schemaChanged(st)
	if cn.sess.dirty && st.writes() {
		cn.connector.invalidateAll(st)
		return txWrite{st: st}
	}
	return cn.connector.invalidateWrite(st, args)
}

// invalidateAgain repeats, when its transaction ended, the invalidation of
// a write made inside it.
func (cn *conn) invalidateAgain(w txWrite) {
	if cn.sess.dirty && w.st.writes() {
		cn.connector.invalidateAll(w.st)
		return
	}
	cn.connector.invalidateAgain(w)
}

// Close implements driver.Conn: the upstream connection goes back to the
// pool in the state of a fresh connection (see session.go), or is destroyed
// when it is broken or its session cannot be reset.
func (cn *conn) Close() error {
	if cn.closed {
		return nil
	}
	cn.closed = true
	switch {
	case cn.bad:
		cn.lease.destroy(destroyBroken)
	case !cn.sess.clean() && !cn.resetUpstreamSession():
		cn.lease.destroy(destroySession)
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
	cn.sess.begin()
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

// ResetSession implements driver.SessionResetter; database/sql calls it
// before it reuses a connection from its idle list. A broken connection,
// and one whose session cannot be given back clean (see session.go), is
// reported as driver.ErrBadConn so that database/sql discards it; the rest
// is prepared as the pool prepares a connection it hands out
// ([Connector.readyForReuse]: suspects probed, old HTTP streams replaced).
func (cn *conn) ResetSession(ctx context.Context) error {
	if cn.bad || (!cn.sess.clean() && !cn.resetUpstreamSession()) {
		return driver.ErrBadConn
	}
	if err := cn.connector.readyForReuse(ctx, cn.uc); err != nil {
		cn.bad = true
		return driver.ErrBadConn
	}
	if cn.connector.transport != transportHTTP {
		if r, ok := cn.up.(driver.SessionResetter); ok {
			return cn.noteErr(r.ResetSession(ctx))
		}
	}
	return nil
}

// resetUpstreamSession gives the upstream connection a fresh server-side
// session, and reports whether it did. Over HTTP the upstream closes its
// stream (the server drops TEMP objects, attachments and pragmas with it)
// and the next request opens a new one. The upstream sends that close in
// the background, and through the relay it could wait behind the next
// user's statement, itself waiting for a lock the old transaction holds:
// so an open transaction is first rolled back, one round trip on a path
// that only error handling takes. A WebSocket or file: connection is its
// session: it must be destroyed instead.
func (cn *conn) resetUpstreamSession() bool {
	if cn.connector.transport != transportHTTP {
		return false
	}
	r, ok := cn.up.(driver.SessionResetter)
	if !ok || (cn.sess.inTx() && !cn.rollbackUpstream()) || r.ResetSession(context.Background()) != nil {
		return false
	}
	cn.sess.reset()
	return true
}

// rollbackUpstream rolls back the upstream connection's transaction within
// pool_connect_timeout and reports whether the server answered. "No
// transaction is active" is an answer too: the transaction state was
// unknown, and now it is known to be closed.
func (cn *conn) rollbackUpstream() bool {
	ex, ok := cn.up.(driver.ExecerContext)
	if !ok {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), cn.connector.cfg.ConnectTimeout)
	defer cancel()
	_, err := ex.ExecContext(ctx, "ROLLBACK", nil)
	return !classify(err, cn.connector.relay).broken
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

// noteErr classifies the error of a call that is not a statement (Prepare,
// BeginTx, Ping) and returns the error to report; see callFailed.
func (cn *conn) noteErr(err error) error {
	if err == nil {
		return nil
	}
	return cn.callFailed(err, classify(err, cn.connector.relay))
}

// callFailed marks the connection broken when o says it is and returns the
// error to report for a call that changed nothing outliving a discarded
// connection (or that never sent its statement): retryable on another
// connection when the connection broke, except when the server refused the
// credentials.
func (cn *conn) callFailed(err error, o outcome) error {
	if !o.broken {
		return err
	}
	cn.bad = true
	if o.auth {
		return o.report(err)
	}
	return retryable(o.report(err))
}

// statementErr classifies a statement's error (see errclass.go) and
// decides what database/sql may retry. database/sql retries (on another
// connection) every statement that returned driver.ErrBadConn, so the
// driver returns it only when nothing can be applied twice:
//   - the server cannot have run the statement (it was never sent, or the
//     server refused the request as a whole) and the credentials were not
//     refused;
//   - a read-only statement whose connection broke is safe to run again;
//   - a statement that is not read-only and lost its connection after it
//     may have reached the server must not run twice: it fails with
//     [MaybeAppliedError].
//
// Inside a transaction nothing is retried (database/sql does not either).
func (cn *conn) statementErr(ctx context.Context, st *statement, err error) error {
	if err == nil {
		return nil
	}
	o := classify(err, cn.connector.relay)
	if !o.broken {
		if o, ok := cn.answerWithoutRelay(ctx, err); ok {
			return cn.statementOutcome(ctx, st, err, o)
		}
		return err
	}
	return cn.statementOutcome(ctx, st, err, o)
}

// statementOutcome is statementErr once the outcome o of err is known.
func (cn *conn) statementOutcome(ctx context.Context, st *statement, err error, o outcome) error {
	cn.bad = true
	reported := o.report(err)
	switch {
	case ctx.Err() != nil || o.auth:
		return reported
	case cn.inTx():
		return txLost(reported)
	case o.notRun || st.readOnly():
		return retryable(reported)
	}
	return &MaybeAppliedError{Err: withoutBadConn(reported)}
}

// answerWithoutRelay tells, without the relay (pool_http_relay=off), an
// HTTP answer other than 200 from a SQL error that reads the same: the
// upstream reports both as "error code NNN: ..." text. After an HTTP answer
// the upstream has closed its stream, so a probe statement fails at once,
// locally, in the "stream is closed" form; after a SQL error the probe runs
// (one round trip, only for SQL errors whose text starts like an HTTP
// answer). ok is true when err was an HTTP answer; its outcome then carries
// the status and message the upstream kept.
func (cn *conn) answerWithoutRelay(ctx context.Context, err error) (outcome, bool) {
	status, msg, ok := upstreamHTTPAnswer(err)
	if !ok || cn.connector.relay != nil || cn.connector.transport != transportHTTP {
		return outcome{}, false
	}
	perr := pingUpstream(ctx, cn.up)
	if perr == nil {
		return outcome{}, false
	}
	if form, isForm := matchUpstreamForm(perr); !isForm || !form.notRun {
		return outcome{}, false
	}
	se := &ServerError{Status: status, Message: msg}
	return outcome{broken: true, notRun: se.refusedWhole(), auth: se.authFailed(), err: se}, true
}

// preflightErr decides what the error of a query the driver ran before a
// statement (the schema load of the cache or of compression) means for the
// statement, which has not been sent: when it broke the connection, the
// statement fails with it, retryable on another connection; otherwise the
// statement goes ahead without the feature (nil).
func (cn *conn) preflightErr(err error) error {
	if err == nil {
		return nil
	}
	o := classify(err, cn.connector.relay) // once: the relay forgets a failure it reported
	if !o.broken {
		return nil
	}
	return cn.callFailed(err, o)
}

// txLost reports a connection lost inside a transaction: the statement is
// not retried, and the error says what became of the transaction.
func txLost(err error) error {
	var se *ServerError
	if errors.As(err, &se) && se.streamGone() {
		return fmt.Errorf("turso-pooled: the server closed the stream, which rolled back the transaction: %w", err)
	}
	return fmt.Errorf("turso-pooled: connection lost inside a transaction; its outcome is unknown: %w", err)
}
