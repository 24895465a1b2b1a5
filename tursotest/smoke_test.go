package tursotest

import (
	"testing"

	_ "github.com/tursodatabase/libsql-client-go/libsql"
)

func TestSmoke(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			srv := NewTestServer(t, tr.opts...)
			db := openDB(t, tr.url(srv))
			ctx := testCtx(t)
			mustExec(t, ctx, db, "CREATE TABLE t (a INTEGER, b TEXT)")
			res := mustExec(t, ctx, db, "INSERT INTO t VALUES (?, ?)", 1, "x")
			if n, _ := res.RowsAffected(); n != 1 {
				t.Fatalf("affected %d", n)
			}
			if n := count(t, ctx, db, "t"); n != 1 {
				t.Fatalf("count %d", n)
			}
			t.Logf("%+v", srv.Stats())
		})
	}
}
