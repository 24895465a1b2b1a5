package tursotest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	_ "github.com/tursodatabase/libsql-client-go/libsql"
)

// clientCase is one behaviour checked through the upstream driver.
type clientCase struct {
	name     string
	httpOnly bool
	run      func(t *testing.T, ctx context.Context, db *sql.DB)
}

// TestUpstreamClient runs every case over every transport, on the server
// profile named by TURSO_POOLED_TEST_PROFILE (sqld by default).
func TestUpstreamClient(t *testing.T) {
	profile := ProfileSqld
	if name := os.Getenv("TURSO_POOLED_TEST_PROFILE"); name != "" {
		p, err := ParseProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		profile = p
	}
	cases := []clientCase{
		{name: "case=ping", run: func(t *testing.T, ctx context.Context, db *sql.DB) {
			if err := db.PingContext(ctx); err != nil {
				t.Fatal(err)
			}
			if err := ping(ctx, db); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "case=exec-query", run: caseExecQuery},
		{name: "case=prepared", run: casePrepared},
		{name: "case=tx-commit", run: func(t *testing.T, ctx context.Context, db *sql.DB) { caseTx(t, ctx, db, true) }},
		{name: "case=tx-rollback", run: func(t *testing.T, ctx context.Context, db *sql.DB) { caseTx(t, ctx, db, false) }},
		{name: "case=multi-statement", httpOnly: true, run: caseMultiStatement},
		{name: "case=context-canceled", run: caseCanceled},
		{name: "case=types", run: caseTypes},
		{name: "case=params", run: caseParams},
		{name: "case=sql-error", run: caseSQLError},
		{name: "case=concurrent", run: caseConcurrent},
	}
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			srv := NewTestServer(t, append(slices.Clone(tr.opts), WithProfile(profile))...)
			db := openDB(t, tr.url(srv))
			for _, c := range cases {
				if c.httpOnly && !tr.http {
					continue
				}
				t.Run(c.name, func(t *testing.T) { c.run(t, testCtx(t), db) })
			}
		})
	}
}

// table creates a fresh table (a INTEGER, b TEXT) named after the test.
func table(t *testing.T, ctx context.Context, db *sql.DB) string {
	t.Helper()
	name := "t_" + strings.NewReplacer("/", "_", "=", "_", "-", "_").Replace(t.Name())
	mustExec(t, ctx, db, "CREATE TABLE "+name+" (a INTEGER, b TEXT)")
	return name
}

func caseExecQuery(t *testing.T, ctx context.Context, db *sql.DB) {
	tb := table(t, ctx, db)
	res := mustExec(t, ctx, db, "INSERT INTO "+tb+" VALUES (1, 'one'), (2, 'two')")
	if n, err := res.RowsAffected(); err != nil || n != 2 {
		t.Fatalf("RowsAffected = %d, %v; want 2", n, err)
	}
	if id, err := res.LastInsertId(); err != nil || id != 2 {
		t.Fatalf("LastInsertId = %d, %v; want 2", id, err)
	}
	rows, err := db.QueryContext(ctx, "SELECT a, b FROM "+tb+" ORDER BY a")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil || strings.Join(cols, ",") != "a,b" {
		t.Fatalf("columns = %v, %v", cols, err)
	}
	var got []string
	for rows.Next() {
		var a int64
		var b string
		if err := rows.Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s", a, b))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "1 one,2 two" {
		t.Fatalf("rows = %v", got)
	}
}

func casePrepared(t *testing.T, ctx context.Context, db *sql.DB) {
	tb := table(t, ctx, db)
	ins, err := db.PrepareContext(ctx, "INSERT INTO "+tb+" (a, b) VALUES (?, ?)")
	if err != nil {
		t.Fatal(err)
	}
	defer ins.Close()
	for i := range 5 {
		if _, err := ins.ExecContext(ctx, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	sel, err := db.PrepareContext(ctx, "SELECT b FROM "+tb+" WHERE a = ?")
	if err != nil {
		t.Fatal(err)
	}
	defer sel.Close()
	var b string
	if err := sel.QueryRowContext(ctx, 3).Scan(&b); err != nil || b != "v3" {
		t.Fatalf("b = %q, %v; want v3", b, err)
	}
}

func caseTx(t *testing.T, ctx context.Context, db *sql.DB, commit bool) {
	tb := table(t, ctx, db)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, ctx, tx, "INSERT INTO "+tb+" VALUES (1, 'x')")
	if n := count(t, ctx, tx, tb); n != 1 {
		t.Fatalf("inside tx: count = %d, want 1", n)
	}
	if n := count(t, ctx, db, tb); n != 0 {
		t.Fatalf("outside tx (another stream): count = %d, want 0", n)
	}
	want := 0
	if commit {
		want = 1
		err = tx.Commit()
	} else {
		err = tx.Rollback()
	}
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, db, tb); n != want {
		t.Fatalf("after tx: count = %d, want %d", n, want)
	}
}

func caseMultiStatement(t *testing.T, ctx context.Context, db *sql.DB) {
	tb := table(t, ctx, db)
	// The upstream HTTP client sends this as one transactional batch.
	mustExec(t, ctx, db, "INSERT INTO "+tb+" VALUES (1, 'a'); INSERT INTO "+tb+" VALUES (2, 'b');")
	if n := count(t, ctx, db, tb); n != 2 {
		t.Fatalf("count = %d, want 2", n)
	}
	_, err := db.ExecContext(ctx, "INSERT INTO "+tb+" VALUES (3, 'c'); INSERT INTO nosuch VALUES (1)")
	if err == nil || !strings.Contains(err.Error(), "no such table") {
		t.Fatalf("err = %v, want no such table", err)
	}
	// Upstream's batch has no BEGIN: the statements before the failing one
	// stay committed (as on sqld), the ones after it are skipped.
	if n := count(t, ctx, db, tb); n != 3 {
		t.Fatalf("count = %d, want 3", n)
	}
}

func caseCanceled(t *testing.T, ctx context.Context, db *sql.DB) {
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := db.ExecContext(cctx, "SELECT 1")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if err := ping(ctx, db); err != nil {
		t.Fatalf("db unusable after cancellation: %v", err)
	}
}

func caseTypes(t *testing.T, ctx context.Context, db *sql.DB) {
	text := "héllo, 世界 \x00 nul 🎉"
	blob := []byte{0, 1, 2, 0xff, 0xfe}
	var (
		gotMin, gotMax int64
		gotF           float64
		gotText        string
		gotBlob        []byte
		gotNull        sql.NullString
		gotTrue        bool
		gotEmpty       []byte
	)
	err := db.QueryRowContext(ctx, "SELECT ?, ?, ?, ?, ?, ?, ?, ?",
		int64(math.MinInt64), int64(math.MaxInt64), 3.141592653589793, text, blob, nil, true, []byte{}).
		Scan(&gotMin, &gotMax, &gotF, &gotText, &gotBlob, &gotNull, &gotTrue, &gotEmpty)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case gotMin != math.MinInt64 || gotMax != math.MaxInt64:
		t.Errorf("int64 = %d, %d", gotMin, gotMax)
	case gotF != 3.141592653589793:
		t.Errorf("float = %v", gotF)
	case gotText != text:
		t.Errorf("text = %q, want %q", gotText, text)
	case !bytes.Equal(gotBlob, blob):
		t.Errorf("blob = %v", gotBlob)
	case gotNull.Valid:
		t.Errorf("null = %v", gotNull)
	case !gotTrue:
		t.Errorf("bool = false")
	case len(gotEmpty) != 0:
		t.Errorf("empty blob = %v", gotEmpty)
	}
	var typ string
	if err := db.QueryRowContext(ctx, "SELECT typeof(?)", 1.5).Scan(&typ); err != nil || typ != "real" {
		t.Errorf("typeof(1.5) = %q, %v", typ, err)
	}
}

func caseParams(t *testing.T, ctx context.Context, db *sql.DB) {
	tests := []struct {
		query string
		args  []any
		want  string
	}{
		{"SELECT ? || '-' || ?", []any{"a", "b"}, "a-b"},
		{"SELECT ?2 || '-' || ?1 || '-' || ?2", []any{"a", "b"}, "b-a-b"},
		{"SELECT :x || '-' || :y", []any{sql.Named("x", "1"), sql.Named("y", "2")}, "1-2"},
		{"SELECT @x || '-' || @x", []any{sql.Named("x", "3")}, "3-3"},
		{"SELECT $x || '-' || $y", []any{sql.Named("x", "4"), sql.Named("y", "5")}, "4-5"},
	}
	for _, tc := range tests {
		var got string
		if err := db.QueryRowContext(ctx, tc.query, tc.args...).Scan(&got); err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.query, got, err, tc.want)
		}
	}
}

func caseSQLError(t *testing.T, ctx context.Context, db *sql.DB) {
	tb := table(t, ctx, db)
	mustExec(t, ctx, db, "CREATE UNIQUE INDEX "+tb+"_a ON "+tb+" (a)")
	mustExec(t, ctx, db, "INSERT INTO "+tb+" VALUES (1, 'x')")
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "INSERT INTO "+tb+" VALUES (1, 'y')")
	if err == nil || !strings.Contains(err.Error(), "UNIQUE constraint failed") {
		t.Fatalf("err = %v, want UNIQUE constraint failed", err)
	}
	if _, err := conn.ExecContext(ctx, "SELEC 1"); err == nil || !strings.Contains(err.Error(), "syntax error") {
		t.Fatalf("err = %v, want syntax error", err)
	}
	// The same connection (stream) stays usable.
	if n := count(t, ctx, conn, tb); n != 1 {
		t.Fatalf("count = %d", n)
	}
}

func caseConcurrent(t *testing.T, ctx context.Context, db *sql.DB) {
	tb := table(t, ctx, db)
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if _, err := db.ExecContext(ctx, "INSERT INTO "+tb+" VALUES (?, ?)", w*each+i, "c"); err != nil {
					errs <- err
					return
				}
				var n int
				if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+tb).Scan(&n); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := count(t, ctx, db, tb); n != workers*each {
		t.Fatalf("count = %d, want %d", n, workers*each)
	}
}
