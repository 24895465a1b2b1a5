package tursotest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"modernc.org/sqlite" // registers driver "sqlite"; ColumnInfo for describe
	sqlite3 "modernc.org/sqlite/lib"
)

// busyTimeoutMs bounds how long a statement waits for another stream's lock.
const busyTimeoutMs = 5000

// engine owns the SQLite database shared by all streams of a Server.
type engine struct {
	db      *sql.DB
	keep    *sql.Conn // holds the database open between streams
	tempDir string    // removed on close; "" with WithDBPath
	lim     *limiter
	stats   *counters
}

// openEngine opens the SQLite file at path in WAL mode, like sqld, so that
// readers on other streams see the last committed state while a stream
// writes. With path "", the database is a private file in a new temporary
// directory (synchronous=OFF), removed by close: SQLite's in-memory
// databases cannot give streams that isolation (memdb blocks readers while
// a transaction writes; shared cache fails them with SQLITE_LOCKED).
func openEngine(path string, lim *limiter, stats *counters) (*engine, error) {
	e := &engine{lim: lim, stats: stats}
	sync := "NORMAL"
	if path == "" {
		dir, err := os.MkdirTemp("", "tursotest-")
		if err != nil {
			return nil, fmt.Errorf("tursotest: create the database directory: %w", err)
		}
		e.tempDir, path, sync = dir, filepath.Join(dir, "db.sqlite"), "OFF"
	}
	dsn := fmt.Sprintf("%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(%s)", path, busyTimeoutMs, sync)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("tursotest: open database %q: %w", path, err), e.removeTemp())
	}
	// Every stream gets a fresh SQLite connection, as with sqld: a closed
	// stream's connection (its temp tables, pragmas) is never reused.
	db.SetMaxIdleConns(0)
	keep, err := db.Conn(context.Background())
	if err == nil {
		err = keep.PingContext(context.Background())
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("tursotest: open database %q: %w", path, err), db.Close(), e.removeTemp())
	}
	e.db, e.keep = db, keep
	return e, nil
}

// removeTemp removes the temporary database directory, if any.
func (e *engine) removeTemp() error {
	if e.tempDir == "" {
		return nil
	}
	return os.RemoveAll(e.tempDir)
}

// close closes the database; every stream must be closed first.
func (e *engine) close() error {
	err := e.keep.Close()
	return errors.Join(err, e.db.Close(), e.removeTemp())
}

// dbStream is one Hrana stream's SQLite connection. It is not safe for
// concurrent use: its owner (an HTTP stream or a WebSocket session)
// serializes requests.
type dbStream struct {
	conn  *sql.Conn
	total int64 // total_changes() after the last statement that could write
	rowid int64 // last_insert_rowid() after that statement
}

// openStream opens a fresh SQLite connection for a new stream.
func (e *engine) openStream(ctx context.Context) (*dbStream, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	e.stats.streamsOpened.Add(1)
	return &dbStream{conn: conn}, nil
}

// closeStream closes the stream's connection, which rolls back any open
// transaction.
func (e *engine) closeStream(s *dbStream) {
	_ = s.conn.Close()
	e.stats.streamsClosed.Add(1)
}

// run runs f with exclusive use of the stream's driver connection, counted
// against the server's concurrency limit.
func (e *engine) run(ctx context.Context, s *dbStream, f func(q driver.QueryerContext, x driver.ExecerContext) error) error {
	if err := e.lim.acquire(ctx); err != nil {
		return err
	}
	defer e.lim.release()
	if err := sleepCtx(ctx, e.lim.penalty()); err != nil { // the contention penalty, holding the slot
		return err
	}
	return s.conn.Raw(func(dc any) error {
		q, ok1 := dc.(driver.QueryerContext)
		x, ok2 := dc.(driver.ExecerContext)
		if !ok1 || !ok2 {
			return errors.New("tursotest: SQLite driver does not implement QueryerContext and ExecerContext")
		}
		return f(q, x)
	})
}

// execute runs one parsed statement with bound arguments.
func (e *engine) execute(ctx context.Context, s *dbStream, st *sqlStmt, args []driver.NamedValue, wantRows bool) (*stmtResult, error) {
	start := time.Now()
	res := &stmtResult{}
	err := e.run(ctx, s, func(q driver.QueryerContext, _ driver.ExecerContext) error {
		if err := readRows(ctx, q, st.text, args, wantRows, res); err != nil {
			return err
		}
		if st.isReadOnly() {
			res.lastRowid, res.hasLastRowid = s.rowid, true
			return nil
		}
		return probeChanges(ctx, q, s, res)
	})
	if err != nil {
		return nil, sqlError(ctx, err)
	}
	res.durationMs = float64(time.Since(start).Microseconds()) / 1000
	return res, nil
}

// readRows runs the statement and reads its columns and (if wanted) rows.
func readRows(ctx context.Context, q driver.QueryerContext, text string, args []driver.NamedValue, wantRows bool, res *stmtResult) error {
	rows, err := q.QueryContext(ctx, text, args)
	if err != nil {
		return err
	}
	names := rows.Columns()
	res.cols = make([]col, len(names))
	typer, _ := rows.(driver.RowsColumnTypeDatabaseTypeName)
	for i, n := range names {
		res.cols[i].name = n
		if typer != nil {
			res.cols[i].decltype = typer.ColumnTypeDatabaseTypeName(i)
		}
	}
	res.rows = [][]any{}
	dest := make([]driver.Value, len(names))
	for {
		err := rows.Next(dest)
		if err == io.EOF {
			break
		}
		if err != nil {
			_ = rows.Close()
			return err
		}
		if wantRows {
			row := make([]any, len(dest))
			for i, v := range dest {
				if b, ok := v.([]byte); ok {
					v = append([]byte{}, b...)
				}
				row[i] = v
			}
			res.rows = append(res.rows, row)
		}
	}
	return rows.Close()
}

// probeChanges reads the connection's change counters after a statement
// that could write, as sqlite3_changes and sqlite3_last_insert_rowid.
//
// The statement has run by then, so the probe is not interrupted by the
// request's end (a client that went away, a Restart): an applied write is
// reported as applied, as sqld reports it, never as an interrupted one.
func probeChanges(ctx context.Context, q driver.QueryerContext, s *dbStream, res *stmtResult) error {
	rows, err := q.QueryContext(context.WithoutCancel(ctx), "SELECT changes(), last_insert_rowid(), total_changes()", nil)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	dest := make([]driver.Value, 3)
	if err := rows.Next(dest); err != nil {
		return err
	}
	changes, _ := dest[0].(int64)
	rowid, _ := dest[1].(int64)
	total, _ := dest[2].(int64)
	if res != nil {
		if total != s.total {
			res.affected = changes
		}
		res.lastRowid, res.hasLastRowid = rowid, true
	}
	s.total, s.rowid = total, rowid
	return nil
}

// sequence runs the statements of sql one after another, without arguments,
// stopping at the first error.
func (e *engine) sequence(ctx context.Context, s *dbStream, stmts []sqlStmt) error {
	err := e.run(ctx, s, func(q driver.QueryerContext, x driver.ExecerContext) error {
		var firstErr error
		for _, st := range stmts {
			if _, err := x.ExecContext(ctx, st.text, nil); err != nil {
				firstErr = err
				break
			}
		}
		return errors.Join(firstErr, probeChanges(ctx, q, s, nil))
	})
	if err != nil {
		return sqlError(ctx, err)
	}
	return nil
}

// autocommit reports whether the stream's connection is in autocommit mode,
// as sqld reads it (rusqlite's Connection::is_autocommit, i.e.
// sqlite3_get_autocommit: libsql-server/src/connection/connection_core.rs:346-348
// for get_autocommit, src/connection/program.rs:152 for is_autocommit
// conditions). It reads the flag from modernc.org/sqlite's connection;
// should that ever be impossible, it falls back to a probe: BEGIN fails
// only inside a transaction, and is rolled back.
func (e *engine) autocommit(ctx context.Context, s *dbStream) (bool, error) {
	var auto, direct bool
	err := s.conn.Raw(func(dc any) error {
		auto, direct = sqliteAutocommit(dc)
		return nil
	})
	if err != nil {
		return false, sqlError(ctx, err)
	}
	if direct {
		return auto, nil
	}
	err = e.run(ctx, s, func(_ driver.QueryerContext, x driver.ExecerContext) error {
		if _, err := x.ExecContext(ctx, "BEGIN", nil); err != nil {
			if strings.Contains(err.Error(), "within a transaction") {
				return nil
			}
			return err
		}
		auto = true
		_, err := x.ExecContext(ctx, "ROLLBACK", nil)
		return err
	})
	if err != nil {
		return false, sqlError(ctx, err)
	}
	return auto, nil
}

// sqliteAutocommit calls sqlite3_get_autocommit on the handle of dc, a
// modernc.org/sqlite connection (its unexported fields db and tls, read
// through reflection: the driver exports no way to reach the flag). ok is
// false when dc does not have those fields.
func sqliteAutocommit(dc any) (auto, ok bool) {
	v := reflect.ValueOf(dc)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return false, false
	}
	db, tls := v.Elem().FieldByName("db"), v.Elem().FieldByName("tls")
	fn := reflect.ValueOf(sqlite3.Xsqlite3_get_autocommit)
	if !db.IsValid() || db.Kind() != reflect.Uintptr || db.Uint() == 0 ||
		!tls.IsValid() || tls.Type() != fn.Type().In(0) || tls.IsNil() {
		return false, false
	}
	tlsArg := reflect.NewAt(tls.Type(), tls.Addr().UnsafePointer()).Elem()
	out := fn.Call([]reflect.Value{tlsArg, reflect.ValueOf(uintptr(db.Uint()))})
	return out[0].Int() != 0, true
}

// describe prepares a statement and reports its parameters and columns.
func (e *engine) describe(ctx context.Context, s *dbStream, st *sqlStmt) (*describeResult, error) {
	var infos []sqlite.ColumnInfo
	err := e.run(ctx, s, func(_ driver.QueryerContext, x driver.ExecerContext) error {
		ci, ok := x.(interface {
			ColumnInfo(query string) ([]sqlite.ColumnInfo, error)
		})
		if !ok {
			return errors.New("tursotest: SQLite driver does not implement ColumnInfo")
		}
		var err error
		infos, err = ci.ColumnInfo(st.text)
		return err
	})
	if err != nil {
		return nil, sqlError(ctx, err)
	}
	res := &describeResult{
		Params:     make([]describeParam, len(st.params)),
		Cols:       make([]describeCol, len(infos)),
		IsExplain:  st.isExplain(),
		IsReadonly: st.isReadOnly(),
	}
	for i, p := range st.params {
		if p != "" {
			res.Params[i].Name = &p
		}
	}
	for i, c := range infos {
		res.Cols[i].Name = c.Name
		if c.DeclType != "" {
			d := c.DeclType
			res.Cols[i].Decltype = &d
		}
	}
	return res, nil
}
