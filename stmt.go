package tursopooled

import (
	"context"
	"database/sql/driver"
)

// stmt wraps an upstream prepared statement so that its executions go
// through the same cache, compression and invalidation as the conn's.
type stmt struct {
	cn     *conn
	up     driver.Stmt
	query  string
	closed bool
}

var (
	_ driver.Stmt              = (*stmt)(nil)
	_ driver.StmtExecContext   = (*stmt)(nil)
	_ driver.StmtQueryContext  = (*stmt)(nil)
	_ driver.NamedValueChecker = (*stmt)(nil)
)

// Close implements driver.Stmt.
func (s *stmt) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	return s.up.Close()
}

// NumInput implements driver.Stmt; it is the upstream statement's count (-1
// when the upstream does not know, e.g. with named parameters).
func (s *stmt) NumInput() int { return s.up.NumInput() }

// Exec implements driver.Stmt.
//
// Deprecated: database/sql calls ExecContext.
func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), namedValues(args))
}

// Query implements driver.Stmt.
//
// Deprecated: database/sql calls QueryContext.
func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), namedValues(args))
}

// ExecContext implements driver.StmtExecContext.
func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if err := s.cn.check(ctx); err != nil {
		return nil, err
	}
	return s.cn.exec(ctx, s.query, args, s.runExec)
}

// QueryContext implements driver.StmtQueryContext.
func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if err := s.cn.check(ctx); err != nil {
		return nil, err
	}
	return s.cn.query(ctx, s.query, args, s.runQuery)
}

// CheckNamedValue implements driver.NamedValueChecker, deferring to the
// upstream statement or connection.
func (s *stmt) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := s.up.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return s.cn.CheckNamedValue(nv)
}

func (s *stmt) runExec(ctx context.Context, _ string, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := s.up.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	values, err := plainValues(args)
	if err != nil {
		return nil, err
	}
	//lint:ignore SA1019 the upstream statement offers only Exec
	return s.up.Exec(values)
}

func (s *stmt) runQuery(ctx context.Context, _ string, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := s.up.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	values, err := plainValues(args)
	if err != nil {
		return nil, err
	}
	//lint:ignore SA1019 the upstream statement offers only Query
	return s.up.Query(values)
}

func namedValues(args []driver.Value) []driver.NamedValue {
	if len(args) == 0 {
		return nil
	}
	named := make([]driver.NamedValue, len(args))
	for i, v := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return named
}

func plainValues(args []driver.NamedValue) ([]driver.Value, error) {
	values := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, errNamedUnsupported
		}
		values[i] = a.Value
	}
	return values, nil
}
