package tursopooled_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/pool"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// The error cases of the drop-in suite (2 and 9): an error keeps its type
// and its meaning, and is never turned into a retry that applies a write
// again.

// dropinRaiseMessages are RAISE messages that read like transport failures,
// so that a driver classifying errors by their text mistakes them for a
// broken connection.
var dropinRaiseMessages = []string{
	"error code 400: quota exceeded",
	"stream is closed",
	"connection reset by peer",
	"broken pipe",
	"turso-pooled relay: dial tcp",
	"STREAM_EXPIRED",
	"failed to write",
	"WebSocket closed",
	"driver: bad connection",
}

// dropinRaiseTable is a table whose trigger raises msg with kind (FAIL or
// ABORT) for values above 100; its run column tells the runs apart.
type dropinRaiseTable struct {
	name, kind, msg string
}

// dropinRaiseFixture holds case 2's tables and, per server, a plain libsql
// DB over HTTP that created them there and counts their rows.
type dropinRaiseFixture struct {
	top    *testing.T // the setup DBs live as long as the whole test
	tables []dropinRaiseTable
	setups map[string]*sql.DB // by witness URL
	run    atomic.Int64
}

func newDropinRaiseFixture(t *testing.T) *dropinRaiseFixture {
	f := &dropinRaiseFixture{top: t, setups: map[string]*sql.DB{}}
	for _, kind := range []string{"FAIL", "ABORT"} {
		for _, msg := range dropinRaiseMessages {
			f.tables = append(f.tables, dropinRaiseTable{name: tableName("c2"), kind: kind, msg: msg})
		}
	}
	return f
}

// wanted reports whether tg runs tb: the TLS targets run the main message
// only, to stay quick.
func (f *dropinRaiseFixture) wanted(tg target, tb dropinRaiseTable) bool {
	return tg.name == "http" || tg.name == "ws" || tb.msg == dropinRaiseMessages[0]
}

// setup returns the setup DB of tg's server, creating the tables first.
func (f *dropinRaiseFixture) setup(tg target) *sql.DB {
	w := dropinWitnessURL(tg)
	if db, ok := f.setups[w]; ok {
		return db
	}
	db := openLibsql(f.top, target{name: "http", url: w, token: tg.token})
	for _, tb := range f.tables {
		if f.wanted(tg, tb) {
			dropinMust(f.top, db, "CREATE TABLE "+tb.name+" (run INTEGER, v INTEGER)")
			dropinMust(f.top, db, fmt.Sprintf("CREATE TRIGGER %s_quota BEFORE INSERT ON %s WHEN NEW.v > 100 BEGIN SELECT RAISE(%s, '%s'); END",
				tb.name, tb.name, tb.kind, tb.msg))
		}
	}
	f.setups[w] = db
	return db
}

// insert runs the failing INSERT through db and returns the rows it left
// (counted through setup) and its error.
func (f *dropinRaiseFixture) insert(t *testing.T, db, setup *sql.DB, tb dropinRaiseTable) (string, error) {
	t.Helper()
	r := f.run.Add(1)
	err := dropinExec(db, "INSERT INTO "+tb.name+" (run, v) VALUES (?, 1), (?, 2), (?, 500)", r, r, r)
	n, cerr := dropinOne(setup, "SELECT count(*) FROM "+tb.name+" WHERE run = ?", r)
	if cerr != nil {
		t.Fatalf("count: %s", dropinErrText(cerr))
	}
	return n, err
}

// dropinDestroyed returns how many pooled connections were destroyed as
// broken, or -1 for plain libsql. (Other reasons, such as the adaptive
// pool shrinking, are not the statement's doing.)
func dropinDestroyed(db *sql.DB) int64 {
	s, ok := tursopooled.StatsOf(db)
	if !ok {
		return -1
	}
	return s.Pool.Destroyed(pool.ReasonBroken)
}

// TestDropinCase2RaiseNotRetried: a statement failing with a user error
// whose text looks like a transport failure (RAISE(FAIL, 'error code 400:
// quota exceeded')) must keep exactly the rows plain libsql over HTTP keeps
// (RAISE(FAIL) keeps the rows inserted before the failing one; ABORT none),
// must fail with the message and not with driver.ErrBadConn (which makes
// database/sql run it again), and must not destroy pooled connections.
func TestDropinCase2RaiseNotRetried(t *testing.T) {
	f := newDropinRaiseFixture(t)
	// The reference: plain libsql over HTTP.
	ref := map[dropinRaiseTable]string{}
	refTarget := targets(t)[0]
	refSetup, refDB := f.setup(refTarget), openLibsql(t, refTarget)
	for _, tb := range f.tables {
		ref[tb], _ = f.insert(t, refDB, refSetup, tb)
	}
	if ref[f.tables[0]] != "2" {
		t.Errorf("case 2: plain libsql over HTTP kept %s rows for RAISE(FAIL); SQLite keeps 2", ref[f.tables[0]])
	}

	forEachDropin(t, dropinTargets(t, true), dropinConfigs(), func(t *testing.T, tg target, c dropinConfig) {
		setup := f.setup(tg)
		db := c.open(t, tg, "pool_max_conns=2&pool_min_conns=1")
		if err := dropinExec(db, "SELECT 1"); err != nil {
			t.Fatalf("warm-up: %s", dropinErrText(err))
		}
		for _, tb := range f.tables {
			if !f.wanted(tg, tb) {
				continue
			}
			tag := fmt.Sprintf("%s RAISE(%s, %q)", dropinTag(2, c, tg), tb.kind, tb.msg)
			before := dropinDestroyed(db)
			n, err := f.insert(t, db, setup, tb)
			after := dropinDestroyed(db)
			switch {
			case err == nil:
				t.Errorf("%s: INSERT succeeded; want the trigger's error", tag)
			case errors.Is(err, driver.ErrBadConn):
				t.Errorf("%s: error is driver.ErrBadConn, so database/sql runs the INSERT again: %s", tag, dropinErrText(err))
			case !strings.Contains(err.Error(), tb.msg):
				t.Errorf("%s: error %q does not carry the trigger's message", tag, dropinErrText(err))
			}
			if n != ref[tb] {
				t.Errorf("%s: %s rows kept, plain libsql over HTTP keeps %s (the INSERT was applied %s times)", tag, n, ref[tb], dropinTimes(n, ref[tb]))
			}
			if before >= 0 && after != before {
				t.Errorf("%s: a statement error destroyed %d pooled connection(s) as broken", tag, after-before)
			}
		}
	})
}

// dropinTimes estimates how many times an INSERT that keeps want rows per
// run was applied, from the got rows it left.
func dropinTimes(got, want string) string {
	var g, w int
	fmt.Sscan(got, &g)
	fmt.Sscan(want, &w)
	if w == 0 {
		return "?"
	}
	return fmt.Sprint(g / w)
}

// TestDropinCase9WrongTokenNotRetried: a wrong auth token gets an error
// that is not driver.ErrBadConn, says that the server refused it, and is
// not retried (the server sees one request, as with plain libsql).
func TestDropinCase9WrongTokenNotRetried(t *testing.T) {
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	stmts := []struct {
		name string
		run  func(db *sql.DB) error
	}{
		{"exec INSERT", func(db *sql.DB) error { return dropinExec(db, "INSERT INTO nowhere VALUES (1)") }},
		{"query SELECT 1", func(db *sql.DB) error { _, err := dropinRows(db, "SELECT 1"); return err }},
	}
	tgs := dropinPrivateTargets(srv.HTTPURL(), srv.WSURL())
	for i := range tgs {
		tgs[i].token = "wrong-token"
	}
	forEachDropin(t, tgs, dropinConfigs(), func(t *testing.T, tg target, c dropinConfig) {
		for _, st := range stmts {
			tag := dropinTag(9, c, tg) + " wrong token, " + st.name
			db := c.open(t, tg, "pool_min_conns=0")
			before := srv.Stats()
			err := st.run(db)
			after := srv.Stats()
			db.Close()
			switch {
			case err == nil:
				t.Errorf("%s: succeeded with a wrong token", tag)
				continue
			case errors.Is(err, driver.ErrBadConn):
				t.Errorf("%s: error is driver.ErrBadConn (database/sql retries it): %s", tag, dropinErrText(err))
			}
			low := strings.ToLower(err.Error())
			if !strings.Contains(low, "unauthorized") && !strings.Contains(low, "authentication failed") {
				t.Errorf("%s: error %q does not say that the server refused the token", tag, dropinErrText(err))
			}
			if n := after.HTTPRequests - before.HTTPRequests; n != 1 {
				t.Errorf("%s: the server saw %d requests, want 1 (the statement was retried): %s", tag, n, dropinErrText(err))
			}
		}
	})
}

// dropinWrite is the outcome of one write of the fault test.
type dropinWrite struct {
	id  int64
	err error
}

// TestDropinCase9FaultErrorsKeepType: 16 writers insert unique ids while the
// server drops every connection or restarts. Afterwards no id may be stored
// twice, every acknowledged id must be stored, and every error of a write
// the server applied must be a *tursopooled.MaybeAppliedError, which is
// never driver.ErrBadConn. Over HTTP every error still holds the network
// error its text names (a *net.OpError, io.EOF): plain libsql keeps it, and
// an error rebuilt from text loses it. Over WebSocket the upstream itself
// flattens it to text, so that is only logged.
func TestDropinCase9FaultErrorsKeepType(t *testing.T) {
	plain := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	secure := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken), tursotest.WithTLS())
	servers := map[string]*tursotest.Server{"http": plain, "ws": plain, "https": secure}
	tgs := []target{
		{name: "http", url: plain.HTTPURL(), token: testToken},
		{name: "ws", url: plain.WSURL(), token: testToken},
		{name: "https", url: secure.HTTPURL(), token: testToken},
	}
	faults := []struct {
		name   string
		inject func(t *testing.T, srv *tursotest.Server)
	}{
		{"drop", func(_ *testing.T, srv *tursotest.Server) { srv.DropConnections() }},
		{"restart", func(t *testing.T, srv *tursotest.Server) {
			if err := srv.Restart(); err != nil {
				t.Errorf("Restart: %v", err)
			}
		}},
	}
	cfgs := []dropinConfig{dropinConfigs()[0], dropinConfigs()[1], dropinConfigs()[4]}
	forEachDropin(t, tgs, cfgs, func(t *testing.T, tg target, c dropinConfig) {
		if !c.pooled && tg.name != "http" {
			t.Skip("plain libsql retries every WebSocket failure (driver.ErrBadConn); the reference is plain libsql over HTTP")
		}
		for _, f := range faults {
			t.Run(f.name, func(t *testing.T) {
				srv := servers[tg.name]
				tbl := tableName("c9")
				witness := dropinWitness(t, target{name: "http", url: srv.HTTPURL(), token: testToken})
				dropinMust(t, witness, "CREATE TABLE "+tbl+" (id INTEGER)") // not unique: a double apply shows
				db := c.open(t, tg, "")
				writes := dropinFaultLoad(t, db, tbl, func() { f.inject(t, srv) })
				dropinCheckFaultWrites(t, dropinTag(9, c, tg)+" "+f.name, witness, tbl, writes, c.pooled, !tg.ws())
			})
		}
	})
}

// dropinFaultLoad runs 16 writers inserting unique ids into tbl, each under
// a 2 s context; inject runs once 64 writes have completed, and the load
// stops 200 writes later (or after 3 s).
func dropinFaultLoad(t *testing.T, db *sql.DB, tbl string, inject func()) []dropinWrite {
	t.Helper()
	const writers = 16
	var (
		next, done atomic.Int64
		stop       = make(chan struct{})
		wg         sync.WaitGroup
		results    = make([][]dropinWrite, writers)
	)
	for w := range writers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				id := next.Add(1)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_, err := db.ExecContext(ctx, "INSERT INTO "+tbl+" (id) VALUES (?)", id)
				cancel()
				results[w] = append(results[w], dropinWrite{id: id, err: err})
				done.Add(1)
			}
		})
	}
	waitFor := func(n int64) {
		deadline := time.Now().Add(3 * time.Second)
		for done.Load() < n && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(64)
	at := done.Load()
	inject()
	waitFor(at + 200)
	close(stop)
	wg.Wait()
	var all []dropinWrite
	for _, r := range results {
		all = append(all, r...)
	}
	return all
}

// dropinCheckFaultWrites compares the writes' outcomes with what tbl holds.
func dropinCheckFaultWrites(t *testing.T, tag string, witness *sql.DB, tbl string, writes []dropinWrite, pooled, httpTransport bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := witness.QueryContext(ctx, "SELECT id, count(*) FROM "+tbl+" GROUP BY id")
	if err != nil {
		t.Fatalf("%s: reading the stored ids: %v", tag, err)
	}
	stored := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		stored[id] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: reading the stored ids: %v", tag, err)
	}

	var failed, dup, lost, untyped, badConn, noNetErr, withOpErr int
	report := func(kind string, n *int, format string, args ...any) {
		*n++
		if *n <= 3 {
			t.Errorf("%s: %s: "+format, append([]any{tag, kind}, args...)...)
		}
	}
	for _, w := range writes {
		n := stored[w.id]
		if w.err != nil {
			failed++
		}
		if n > 1 {
			report("write applied twice", &dup, "id %d stored %d times (err %s)", w.id, n, dropinErrText(w.err))
		}
		if w.err == nil && n == 0 {
			report("acknowledged write lost", &lost, "id %d not stored", w.id)
		}
		if !pooled || w.err == nil {
			continue
		}
		var mae *tursopooled.MaybeAppliedError
		isMAE := errors.As(w.err, &mae)
		// The caller's own 2 s deadline may end a write that applies: its
		// error is then the context's, as database/sql promises. The test
		// never cancels a context, so context.Canceled is no such excuse.
		callerDeadline := errors.Is(w.err, context.DeadlineExceeded)
		if n > 0 && !isMAE && !callerDeadline {
			report("applied write's error is not *tursopooled.MaybeAppliedError", &untyped, "id %d: %s", w.id, dropinErrText(w.err))
		}
		if isMAE && errors.Is(w.err, driver.ErrBadConn) {
			report("MaybeAppliedError is driver.ErrBadConn", &badConn, "id %d: %s", w.id, dropinErrText(w.err))
		}
		if isMAE && errors.As(w.err, new(*net.OpError)) {
			withOpErr++
		}
		if lostType, lost := dropinLostNetErr(w.err); lost {
			if httpTransport {
				report("the error names a network error its chain no longer holds", &noNetErr, "id %d: %s not in the chain of %s", w.id, lostType, dropinErrText(w.err))
			} else if noNetErr++; noNetErr == 1 {
				t.Logf("%s: over WebSocket the upstream flattens the network error to text: %s", tag, dropinErrText(w.err))
			}
		}
	}
	t.Logf("%s: %d writes, %d failed, %d stored twice, %d acknowledged but lost, %d applied with an untyped error, %d MaybeAppliedError with a *net.OpError",
		tag, len(writes), failed, dup, lost, untyped, withOpErr)
}

// dropinNetErrText matches how a *net.OpError formats itself ("read tcp
// 127.0.0.1:1->127.0.0.1:2: …", "dial tcp …").
var dropinNetErrText = regexp.MustCompile(`\b(read|write|dial) (tcp|tcp4|tcp6|udp|unix)\b`)

// dropinLostNetErr reports the network error that err's text shows (a
// *net.OpError, io.EOF, io.ErrUnexpectedEOF) but its chain no longer holds:
// an error rebuilt from text. Plain libsql over HTTP keeps them (in a
// *url.Error).
func dropinLostNetErr(err error) (string, bool) {
	msg := err.Error()
	switch {
	case dropinNetErrText.MatchString(msg) && !errors.As(err, new(*net.OpError)):
		return "*net.OpError", true
	case strings.HasSuffix(msg, "unexpected EOF"):
		return "io.ErrUnexpectedEOF", !errors.Is(err, io.ErrUnexpectedEOF)
	case strings.HasSuffix(msg, "EOF"):
		return "io.EOF", !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)
	}
	return "", false
}

// TestDropinCase9StoppedServerNamesDialError: with the server stopped, a
// query's error names the dial failure (as plain libsql's does) instead of
// a "stream is closed" that hides it; with cache=on too, whose schema
// lookup must not eat the first error.
func TestDropinCase9StoppedServerNamesDialError(t *testing.T) {
	variants := []struct {
		name string
		warm bool // a cached read (which loads the schema) before the stop
	}{{"cold", false}, {"warm", true}}
	for _, tr := range []string{"http", "ws"} {
		t.Run(tr, func(t *testing.T) {
			for _, c := range dropinConfigs() {
				t.Run(c.name, func(t *testing.T) {
					for _, v := range variants {
						t.Run(v.name, func(t *testing.T) {
							srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
							tg := dropinPrivateTargets(srv.HTTPURL(), srv.WSURL())[0]
							if tr == "ws" {
								tg = dropinPrivateTargets(srv.HTTPURL(), srv.WSURL())[1]
							}
							tag := dropinTag(9, c, tg) + " stopped server, " + v.name
							db := c.open(t, tg, "pool_min_conns=1")
							dropinMust(t, db, "CREATE TABLE kv (k INTEGER, v TEXT)")
							dropinMust(t, db, "INSERT INTO kv VALUES (1, 'a'), (2, 'b')")
							if v.warm {
								if _, err := dropinOne(db, "SELECT v FROM kv WHERE k = ?", 1); err != nil {
									t.Fatalf("%s: warm read: %v", tag, err)
								}
							}
							if err := srv.Close(); err != nil {
								t.Fatal(err)
							}
							_, err := dropinOne(db, "SELECT v FROM kv WHERE k = ?", 2)
							if err == nil {
								t.Fatalf("%s: query succeeded with the server stopped", tag)
							}
							// Plain libsql says "dial tcp …: connect: connection
							// refused" over both transports, or, when its kept-alive
							// TCP connection is the first to notice, "EOF". What must
							// never come back is a "stream is closed" that hides the
							// network failure.
							low := strings.ToLower(err.Error())
							named := strings.Contains(low, "refused") && strings.Contains(low, "dial")
							if !named && c.name == "libsql" {
								named = strings.HasSuffix(low, "eof")
							}
							if !named || strings.Contains(low, "stream is closed") {
								t.Errorf("%s: error %q does not name the network failure (dial tcp …: connection refused)", tag, dropinErrText(err))
							}
						})
					}
				})
			}
		})
	}
}
