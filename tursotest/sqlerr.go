package tursotest

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"modernc.org/sqlite"
)

// sqliteCodeNames maps SQLite primary result codes to their names, which
// sqld sends as the "code" of statement errors.
var sqliteCodeNames = map[int]string{
	1: "SQLITE_ERROR", 2: "SQLITE_INTERNAL", 3: "SQLITE_PERM", 4: "SQLITE_ABORT",
	5: "SQLITE_BUSY", 6: "SQLITE_LOCKED", 7: "SQLITE_NOMEM", 8: "SQLITE_READONLY",
	9: "SQLITE_INTERRUPT", 10: "SQLITE_IOERR", 11: "SQLITE_CORRUPT", 12: "SQLITE_NOTFOUND",
	13: "SQLITE_FULL", 14: "SQLITE_CANTOPEN", 15: "SQLITE_PROTOCOL", 16: "SQLITE_EMPTY",
	17: "SQLITE_SCHEMA", 18: "SQLITE_TOOBIG", 19: "SQLITE_CONSTRAINT", 20: "SQLITE_MISMATCH",
	21: "SQLITE_MISUSE", 22: "SQLITE_NOLFS", 23: "SQLITE_AUTH", 24: "SQLITE_FORMAT",
	25: "SQLITE_RANGE", 26: "SQLITE_NOTADB", 27: "SQLITE_NOTICE", 28: "SQLITE_WARNING",
}

// codeSuffix matches the " (19)" and " (SQLITE_BUSY)" suffixes that
// modernc.org/sqlite appends to SQLite's message.
var codeSuffix = regexp.MustCompile(`(\s*\((\d+|SQLITE_[A-Z_]+)\))+$`)

// sqlError turns an error from executing a statement into the Hrana error
// sent to the client: SQLite's message and the name of its result code.
func sqlError(ctx context.Context, err error) error {
	var he *hranaError
	if errors.As(err, &he) {
		return he
	}
	if ctx.Err() != nil && (errors.Is(err, ctx.Err()) || strings.Contains(err.Error(), "interrupt")) {
		return &hranaError{Message: "statement interrupted: " + ctx.Err().Error(), Code: "SQLITE_INTERRUPT"}
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return &hranaError{Message: err.Error(), Code: "SQLITE_ERROR"}
	}
	msg := codeSuffix.ReplaceAllString(se.Error(), "")
	// modernc.org/sqlite writes "<sqlite3_errstr>: <sqlite3_errmsg>"; sqld
	// sends the errmsg alone.
	if _, rest, ok := strings.Cut(msg, ": "); ok && rest != "" {
		msg = rest
	}
	code, ok := sqliteCodeNames[se.Code()&0xff]
	if !ok {
		code = "SQLITE_UNKNOWN"
	}
	return &hranaError{Message: msg, Code: code}
}
