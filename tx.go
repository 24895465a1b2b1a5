package tursopooled

import "database/sql/driver"

// tx wraps an upstream transaction. Writes inside it invalidate the cache
// when they run and again when the transaction ends, so that no reader can
// keep a result older than the committed data.
type tx struct {
	cn      *conn
	up      driver.Tx
	written []*statement
}

var _ driver.Tx = (*tx)(nil)

func (t *tx) wrote(st *statement) {
	if st.writes() {
		t.written = append(t.written, st)
	}
}

// Commit implements driver.Tx.
func (t *tx) Commit() error {
	err := t.up.Commit()
	t.end(err)
	return err
}

// Rollback implements driver.Tx.
func (t *tx) Rollback() error {
	err := t.up.Rollback()
	t.end(err)
	return err
}

// end invalidates what the transaction wrote and detaches it from the conn.
// A failed COMMIT or ROLLBACK leaves the transaction state unknown, so the
// connection is marked broken and will be destroyed rather than reused.
func (t *tx) end(err error) {
	for _, st := range t.written {
		t.cn.connector.invalidate(st)
	}
	t.written = nil
	if t.cn.tx == t {
		t.cn.tx = nil
	}
	t.cn.manualTx = false
	if err != nil {
		t.cn.bad = true
	}
}
