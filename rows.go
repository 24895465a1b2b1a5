package tursopooled

import (
	"database/sql/driver"
	"io"
	"reflect"
)

// rows wraps upstream rows: values that are compression frames are decoded
// on the way out, and the optional column-type and result-set interfaces are
// passed through when the upstream rows have them (with database/sql's own
// defaults otherwise, so that nothing observable changes).
type rows struct {
	connector *Connector
	up        driver.Rows
	cols      []string
}

var (
	_ driver.Rows                           = (*rows)(nil)
	_ driver.RowsNextResultSet              = (*rows)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*rows)(nil)
	_ driver.RowsColumnTypeScanType         = (*rows)(nil)
	_ driver.RowsColumnTypeNullable         = (*rows)(nil)
	_ driver.RowsColumnTypeLength           = (*rows)(nil)
	_ driver.RowsColumnTypePrecisionScale   = (*rows)(nil)
)

func newRows(c *Connector, up driver.Rows) *rows {
	return &rows{connector: c, up: up}
}

// Columns implements driver.Rows.
func (r *rows) Columns() []string {
	if r.cols == nil {
		r.cols = r.up.Columns()
	}
	return r.cols
}

// Close implements driver.Rows.
func (r *rows) Close() error { return r.up.Close() }

// Next implements driver.Rows, decoding compression frames in place.
func (r *rows) Next(dest []driver.Value) error {
	if err := r.up.Next(dest); err != nil {
		return err
	}
	return r.connector.decodeRow(r.Columns(), dest)
}

// HasNextResultSet implements driver.RowsNextResultSet.
func (r *rows) HasNextResultSet() bool {
	if m, ok := r.up.(driver.RowsNextResultSet); ok {
		return m.HasNextResultSet()
	}
	return false
}

// NextResultSet implements driver.RowsNextResultSet.
func (r *rows) NextResultSet() error {
	if m, ok := r.up.(driver.RowsNextResultSet); ok {
		r.cols = nil
		return m.NextResultSet()
	}
	return io.EOF
}

// ColumnTypeDatabaseTypeName implements driver.RowsColumnTypeDatabaseTypeName.
func (r *rows) ColumnTypeDatabaseTypeName(index int) string {
	if m, ok := r.up.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return m.ColumnTypeDatabaseTypeName(index)
	}
	return ""
}

var anyType = reflect.TypeFor[any]()

// ColumnTypeScanType implements driver.RowsColumnTypeScanType.
func (r *rows) ColumnTypeScanType(index int) reflect.Type {
	if m, ok := r.up.(driver.RowsColumnTypeScanType); ok {
		return m.ColumnTypeScanType(index)
	}
	return anyType
}

// ColumnTypeNullable implements driver.RowsColumnTypeNullable.
func (r *rows) ColumnTypeNullable(index int) (nullable, ok bool) {
	if m, ok := r.up.(driver.RowsColumnTypeNullable); ok {
		return m.ColumnTypeNullable(index)
	}
	return false, false
}

// ColumnTypeLength implements driver.RowsColumnTypeLength.
func (r *rows) ColumnTypeLength(index int) (length int64, ok bool) {
	if m, ok := r.up.(driver.RowsColumnTypeLength); ok {
		return m.ColumnTypeLength(index)
	}
	return 0, false
}

// ColumnTypePrecisionScale implements driver.RowsColumnTypePrecisionScale.
func (r *rows) ColumnTypePrecisionScale(index int) (precision, scale int64, ok bool) {
	if m, ok := r.up.(driver.RowsColumnTypePrecisionScale); ok {
		return m.ColumnTypePrecisionScale(index)
	}
	return 0, 0, false
}
