package tursopooled_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turso-pooled/tursopooled/tursotest"
)

// The drop-in property: a random program of pooled-connection sessions
// (db.Conn, then BEGIN / SAVEPOINT / RELEASE / ROLLBACK TO / COMMIT /
// ROLLBACK, writes, reads, PRAGMA query_only, TEMP tables, statements that
// raise transport-like messages from a trigger, large values inside SQL
// expressions; then conn.Close, sometimes inside a transaction) and of
// unrelated work through db gives, through every turso-pooled configuration
// over HTTP and WebSocket, the same outcome at every statement (error or
// not, and the rows) and the same final table contents as through plain
// libsql over HTTP. Every configuration gets its own server.
//
// TURSO_POOLED_DROPIN_SEED replays a seed (each failure names its seed);
// TURSO_POOLED_DROPIN_STEPS sets the program length (default 300).

// dropinPKind says where a program step runs.
type dropinPKind int

const (
	dropinPOpen  dropinPKind = iota // db.Conn
	dropinPConn                     // a statement on the open conn
	dropinPDB                       // a statement through db
	dropinPClose                    // conn.Close
)

// dropinPStep is one step of a program.
type dropinPStep struct {
	kind  dropinPKind
	query bool // QueryContext (rows compared) instead of ExecContext
	sql   string
	args  []any
}

func (s dropinPStep) String() string {
	switch s.kind {
	case dropinPOpen:
		return "conn := db.Conn()"
	case dropinPClose:
		return "conn.Close()"
	}
	where, verb := "db", "Exec"
	if s.kind == dropinPConn {
		where = "conn"
	}
	if s.query {
		verb = "Query"
	}
	var args []string
	for _, a := range s.args {
		args = append(args, dropinFormat(a))
	}
	return fmt.Sprintf("%s.%s(%q, %s)", where, verb, s.sql, strings.Join(args, ", "))
}

// dropinRaises are the property's failing tables: a BEFORE INSERT trigger
// raises a transport-like message for values above 100.
var dropinRaises = []struct{ kind, msg string }{
	{"FAIL", "error code 400: quota exceeded"},
	{"FAIL", "stream is closed"},
	{"ABORT", "connection reset by peer"},
	{"ABORT", "STREAM_EXPIRED"},
	{"FAIL", "turso-pooled relay: dial tcp"},
}

// dropinPropertySchema creates the property's tables through setup.
func dropinPropertySchema(t *testing.T, setup dropinQueryer) {
	t.Helper()
	dropinMust(t, setup, "CREATE TABLE t (k INTEGER, v TEXT)")
	for i, r := range dropinRaises {
		dropinMust(t, setup, fmt.Sprintf("CREATE TABLE f%d (v INTEGER)", i))
		dropinMust(t, setup, fmt.Sprintf("CREATE TRIGGER f%d_raise BEFORE INSERT ON f%d WHEN NEW.v > 100 BEGIN SELECT RAISE(%s, '%s'); END",
			i, i, r.kind, r.msg))
	}
}

// dropinGen generates programs. It tracks the transaction state the
// program probably has, so that most statements make sense, but it does not
// need to be right: every outcome is compared, errors included.
type dropinGen struct {
	r          *rand.Rand
	inTx       bool
	savepoints []string
	temp       bool // this session created its TEMP table tt
}

func (g *dropinGen) small() string { return fmt.Sprintf("s%d", g.r.Intn(50)) }

// large returns a text long enough to be compressed (compress_threshold=64).
func (g *dropinGen) large() string {
	words := []string{"alpha ", "beta ", "gamma ", "delta ", "payload ", "zeta "}
	var b strings.Builder
	for n := 80 + g.r.Intn(1500); b.Len() < n; {
		b.WriteString(words[g.r.Intn(len(words))])
	}
	return b.String()
}

func (g *dropinGen) value() string {
	if g.r.Intn(3) == 0 {
		return g.large()
	}
	return g.small()
}

func (g *dropinGen) key() int { return g.r.Intn(8) }

// write returns a random write to the main tables.
func (g *dropinGen) write(kind dropinPKind) dropinPStep {
	st := dropinPStep{kind: kind}
	switch g.r.Intn(8) {
	case 0, 1:
		st.sql, st.args = "INSERT INTO t (k, v) VALUES (?, ?)", []any{g.key(), g.value()}
	case 2:
		st.sql, st.args = "INSERT INTO t (k, v) VALUES (?, upper(?))", []any{g.key(), g.large()}
	case 3:
		st.sql, st.args = "INSERT INTO t (k, v) VALUES (?, ? || '')", []any{g.key(), g.large()}
	case 4:
		st.sql, st.args = "UPDATE t SET v = ? WHERE k = ?", []any{g.value(), g.key()}
	case 5:
		st.sql, st.args = "UPDATE t SET v = upper(?) WHERE k = ?", []any{g.large(), g.key()}
	case 6:
		st.sql, st.args = "DELETE FROM t WHERE k = ?", []any{g.key()}
	default:
		st.sql = fmt.Sprintf("INSERT INTO f%d (v) VALUES (?), (?)", g.r.Intn(len(dropinRaises)))
		st.args = []any{g.r.Intn(100), 101 + g.r.Intn(1000)}
	}
	return st
}

// read returns a random read.
func (g *dropinGen) read(kind dropinPKind) dropinPStep {
	st := dropinPStep{kind: kind, query: true}
	switch g.r.Intn(6) {
	case 0:
		st.sql = "SELECT k, v FROM t ORDER BY rowid"
	case 1:
		st.sql, st.args = "SELECT v FROM t WHERE k = ? ORDER BY rowid", []any{g.key()}
	case 2:
		// Not length(v): a value compression stored framed is a shorter
		// blob to SQL functions (the documented trade-off of compress=br).
		st.sql = "SELECT count(*), count(v), max(k) FROM t"
	case 3:
		st.sql = fmt.Sprintf("SELECT count(*) FROM f%d", g.r.Intn(len(dropinRaises)))
	case 4:
		st.sql, st.args = "SELECT upper(?), length(? || '')", []any{g.large(), g.large()}
	default:
		st.sql = "SELECT count(*) FROM tt"
	}
	return st
}

// connStep returns a random statement for the open conn.
func (g *dropinGen) connStep() dropinPStep {
	st := dropinPStep{kind: dropinPConn}
	sp := []string{"sa", "sb"}[g.r.Intn(2)]
	switch n := g.r.Intn(100); {
	case n < 10:
		st.sql = "BEGIN"
		g.inTx = true
	case n < 16:
		st.sql = "SAVEPOINT " + sp
		g.savepoints = append(g.savepoints, sp)
		g.inTx = true
	case n < 20:
		if len(g.savepoints) > 0 {
			sp = g.savepoints[g.r.Intn(len(g.savepoints))]
		}
		st.sql = "RELEASE " + sp
		g.savepoints = nil // approximately
	case n < 24:
		if len(g.savepoints) > 0 {
			sp = g.savepoints[g.r.Intn(len(g.savepoints))]
		}
		st.sql = "ROLLBACK TO " + sp
	case n < 30:
		st.sql = []string{"COMMIT", "ROLLBACK"}[g.r.Intn(2)]
		g.inTx, g.savepoints = false, nil
	case n < 55:
		return g.write(dropinPConn)
	case n < 75:
		return g.read(dropinPConn)
	case n < 80:
		st.sql = "PRAGMA query_only = " + strconv.Itoa(g.r.Intn(2))
	case n < 85:
		st.sql = "CREATE TEMP TABLE tt (x)"
		g.temp = true
	case n < 90:
		st.sql, st.args = "INSERT INTO tt (x) VALUES (?)", []any{g.value()}
	case n < 93:
		st.sql = "CREATE TEMP TABLE t (k INTEGER, v TEXT)" // shadows main.t for this session
	default:
		st.sql = "SELECT count(*) FROM tt"
		st.query = true
	}
	return st
}

// dropinProgram generates a program of about steps steps from seed.
func dropinProgram(seed int64, steps int) []dropinPStep {
	g := &dropinGen{r: rand.New(rand.NewSource(seed))}
	var prog []dropinPStep
	for len(prog) < steps {
		switch n := g.r.Intn(10); {
		case n < 2:
			prog = append(prog, g.write(dropinPDB))
		case n < 4:
			prog = append(prog, g.read(dropinPDB))
		default:
			g.inTx, g.savepoints, g.temp = false, nil, false
			prog = append(prog, dropinPStep{kind: dropinPOpen})
			for range 1 + g.r.Intn(10) {
				if g.r.Intn(7) == 0 {
					prog = append(prog, g.read(dropinPDB)) // another user reads meanwhile
				} else {
					prog = append(prog, g.connStep())
				}
			}
			if g.inTx && g.r.Intn(2) == 0 {
				prog = append(prog, dropinPStep{kind: dropinPConn, sql: []string{"COMMIT", "ROLLBACK"}[g.r.Intn(2)]})
			}
			prog = append(prog, dropinPStep{kind: dropinPClose})
		}
	}
	return prog
}

// dropinPRun runs a program on one database.
type dropinPRun struct {
	db   *sql.DB
	conn *sql.Conn
}

// do runs one step and returns its outcome (what is compared) and error
// (what is reported).
func (r *dropinPRun) do(s dropinPStep) (string, error) {
	switch s.kind {
	case dropinPOpen:
		ctx, cancel := context.WithTimeout(context.Background(), dropinStmtTimeout)
		defer cancel()
		conn, err := r.db.Conn(ctx)
		if err != nil {
			return "error", err
		}
		r.conn = conn
		return "ok", nil
	case dropinPClose:
		if r.conn == nil {
			return "no conn", nil
		}
		err := r.conn.Close()
		r.conn = nil
		if err != nil {
			return "error", err
		}
		return "ok", nil
	}
	var q dropinQueryer = r.db
	if s.kind == dropinPConn {
		if r.conn == nil {
			return "no conn", nil
		}
		q = r.conn
	}
	if s.query {
		rows, err := dropinRows(q, s.sql, s.args...)
		if err != nil {
			return "error", err
		}
		return fmt.Sprint(rows), nil
	}
	if err := dropinExec(q, s.sql, s.args...); err != nil {
		return "error", err
	}
	return "ok", nil
}

// dropinPOutcome is a program's result on one configuration.
type dropinPOutcome struct {
	steps []string // per step
	errs  []error
	final string // the tables' contents afterwards
}

// dropinRunProgram runs prog on db (closing it at the end) and reads the
// final contents through witness. With want, it stops at the first step
// whose outcome differs and returns its index (else -1).
func dropinRunProgram(t *testing.T, db *sql.DB, witness dropinQueryer, prog []dropinPStep, want *dropinPOutcome) (*dropinPOutcome, int) {
	t.Helper()
	out := &dropinPOutcome{}
	run := &dropinPRun{db: db}
	diverged := -1
	for i, s := range prog {
		got, err := run.do(s)
		out.steps = append(out.steps, got)
		out.errs = append(out.errs, err)
		if want != nil && got != want.steps[i] {
			diverged = i
			break
		}
	}
	if run.conn != nil {
		run.conn.Close()
	}
	db.Close()
	if diverged >= 0 {
		return out, diverged
	}
	var final []string
	for _, tb := range dropinPropertyTables() {
		rows, err := dropinRows(witness, "SELECT * FROM "+tb+" ORDER BY rowid")
		final = append(final, fmt.Sprintf("%s: %v %v", tb, rows, err))
	}
	out.final = strings.Join(final, "\n")
	return out, -1
}

func dropinPropertyTables() []string {
	tables := []string{"t"}
	for i := range dropinRaises {
		tables = append(tables, fmt.Sprintf("f%d", i))
	}
	return tables
}

// dropinEnvInt reads an integer environment variable, or def.
func dropinEnvInt(t *testing.T, name string, def int64) int64 {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, s, err)
	}
	return n
}

// TestDropinPropertySessions runs one random program through plain libsql
// over HTTP and through every turso-pooled configuration over HTTP and
// WebSocket, and compares every step and the final tables.
func TestDropinPropertySessions(t *testing.T) {
	seed := dropinEnvInt(t, "TURSO_POOLED_DROPIN_SEED", time.Now().UnixNano())
	steps := int(dropinEnvInt(t, "TURSO_POOLED_DROPIN_STEPS", 300))
	t.Logf("property seed %d, %d steps (replay with TURSO_POOLED_DROPIN_SEED=%d)", seed, steps, seed)
	prog := dropinProgram(seed, steps)

	// open starts a server for one configuration, creates the schema and
	// returns the configuration's DB and a witness over HTTP: plain libsql,
	// or turso-pooled for configurations that compress.
	open := func(t *testing.T, c dropinConfig, ws bool) (*sql.DB, *sql.DB) {
		srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
		tgs := dropinPrivateTargets(srv.HTTPURL(), srv.WSURL())
		witness := openLibsql(t, tgs[0])
		dropinPropertySchema(t, witness)
		if strings.Contains(c.extra, "compress=br") {
			// Values compression stored are frames to plain libsql;
			// turso-pooled (here without cache or compression of its
			// own) reads them back as the values that were written.
			witness = openPooled(t, tgs[0], "pool_min_conns=0")
		}
		tg := tgs[0]
		if ws {
			tg = tgs[1]
		}
		db := c.open(t, tg, "pool_max_conns=4&pool_min_conns=1")
		db.SetMaxIdleConns(1) // a closed conn is reused by the next step or closed
		return db, witness
	}

	refDB, refWitness := open(t, dropinConfigs()[0], false)
	start := time.Now()
	ref, _ := dropinRunProgram(t, refDB, refWitness, prog, nil)
	t.Logf("plain libsql over HTTP ran the program in %v", time.Since(start).Round(time.Millisecond))

	for _, tr := range []string{"http", "ws"} {
		t.Run(tr, func(t *testing.T) {
			for _, c := range dropinConfigs() {
				if c.plainWS(target{name: tr}) {
					continue // plain libsql over WebSocket keeps the stream across users
				}
				// plain libsql over HTTP again is the control: the program
				// must be deterministic.
				t.Run(c.name, func(t *testing.T) {
					tag := fmt.Sprintf("property [%s over %s] seed %d", c.name, tr, seed)
					db, witness := open(t, c, tr == "ws")
					got, at := dropinRunProgram(t, db, witness, prog, ref)
					if at >= 0 {
						t.Errorf("%s: step %d %s\n  got  %s (err: %s)\n  want %s (plain libsql over HTTP; err: %s)\n  steps before:\n%s",
							tag, at, prog[at], got.steps[at], dropinErrText(got.errs[at]),
							ref.steps[at], dropinErrText(ref.errs[at]), dropinRecent(prog, got, at, 12))
						return
					}
					if got.final != ref.final {
						t.Errorf("%s: final tables differ\n  got:\n%s\n  plain libsql over HTTP:\n%s", tag, got.final, ref.final)
					}
				})
			}
		})
	}
}

// dropinRecent lists the n steps before step at, with their (common)
// outcomes and the configuration's errors.
func dropinRecent(prog []dropinPStep, got *dropinPOutcome, at, n int) string {
	var b strings.Builder
	for i := max(0, at-n); i < at; i++ {
		fmt.Fprintf(&b, "    %3d %s -> %s", i, prog[i], got.steps[i])
		if got.errs[i] != nil {
			fmt.Fprintf(&b, " (%s)", dropinErrText(got.errs[i]))
		}
		b.WriteString("\n")
	}
	return b.String()
}
