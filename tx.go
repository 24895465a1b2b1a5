package tursopooled

import "database/sql/driver"

// tx wraps an upstream transaction. Its writes are tracked by the conn's
// session: they invalidate the cache when they run and again when the
// transaction ends, so that no reader keeps a result older than the
// committed data.
type tx struct {
	cn *conn
	up driver.Tx
}

var _ driver.Tx = (*tx)(nil)

// Commit implements driver.Tx.
func (t *tx) Commit() error { return t.end(t.up.Commit()) }

// Rollback implements driver.Tx.
func (t *tx) Rollback() error { return t.end(t.up.Rollback()) }

// end invalidates what the transaction wrote, detaches it from the conn and
// returns the error to report for the upstream's err. A COMMIT or ROLLBACK
// that failed leaves the transaction state unknown (a deferred constraint
// keeps it open): the session says so, and the connection goes to no other
// user in that state (see session.go).
func (t *tx) end(err error) error {
	for _, w := range t.cn.sess.end(err) {
		t.cn.invalidateAgain(w)
	}
	if t.cn.tx == t {
		t.cn.tx = nil
	}
	if err == nil {
		return nil
	}
	o := classify(err, t.cn.connector.relay)
	if o.broken {
		t.cn.bad = true
	}
	return o.report(err)
}
