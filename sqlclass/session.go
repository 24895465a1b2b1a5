package sqlclass

import sp "github.com/tursodatabase/libsql-client-go/sqliteparser"

// EffectKind names what a statement does to the session of the connection
// that runs it, beyond the data it reads and writes.
type EffectKind uint8

// Session effect kinds reported in [Info.Session].
const (
	// EffectTx is transaction control; [Effect.Tx] and [Effect.Savepoint]
	// say which.
	EffectTx EffectKind = iota + 1
	// EffectTemp creates, drops or changes an object of the connection's
	// TEMP schema (CREATE TEMP TABLE, CREATE TABLE temp.t, a TEMP trigger
	// or view, DROP TABLE temp.t ...).
	EffectTemp
	// EffectAttach is ATTACH or DETACH: it changes what names mean.
	EffectAttach
	// EffectPragma is a PRAGMA that sets a value. Most settable pragmas
	// (foreign_keys, query_only, recursive_triggers, case_sensitive_like,
	// busy_timeout ...) are per connection; the few that persist in the
	// database file are treated the same way, conservatively.
	EffectPragma
	// EffectUnknown is a statement the classifier does not understand: it
	// may change anything about the session.
	EffectUnknown
)

// Effect is one statement's effect on the session; see [Info.Session].
type Effect struct {
	Kind EffectKind
	// Tx is the transaction-control kind when Kind is EffectTx.
	Tx TxKind
	// Savepoint is the lower-cased savepoint name of SAVEPOINT, RELEASE and
	// ROLLBACK TO; "" otherwise.
	Savepoint string
}

// queryPragmas are pragmas that take an argument but only report: they
// change nothing for later statements.
var queryPragmas = setOf("table_info", "table_xinfo", "table_list", "index_list", "index_info",
	"index_xinfo", "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check",
	"function_list", "module_list", "pragma_list", "collation_list", "database_list", "compile_options")

// effect returns the statement's effect on the session, or false when it
// has none. Call it after classify.
func (s *stmt) effect() (Effect, bool) {
	switch s.kind {
	case kindTx:
		return Effect{Kind: EffectTx, Tx: s.tx, Savepoint: s.savepointName()}, true
	case kindAttach:
		return Effect{Kind: EffectAttach}, true
	case kindPragma:
		if s.pragmaSets() {
			return Effect{Kind: EffectPragma}, true
		}
	case kindDDL:
		if s.touchesTemp() {
			return Effect{Kind: EffectTemp}, true
		}
	case kindUnknown:
		return Effect{Kind: EffectUnknown}, true
	}
	return Effect{}, false
}

// savepointName returns the name a SAVEPOINT, RELEASE [SAVEPOINT] or
// ROLLBACK [TRANSACTION] TO [SAVEPOINT] statement names.
func (s *stmt) savepointName() string {
	i := -1
	switch s.tx {
	case TxSavepoint:
		i = 1
	case TxRelease:
		i = s.skipIf(1, sp.SQLiteLexerSAVEPOINT_)
	case TxRollbackTo:
		for j := range s.toks {
			if s.typ(j) == sp.SQLiteLexerTO_ {
				i = s.skipIf(j+1, sp.SQLiteLexerSAVEPOINT_)
				break
			}
		}
	}
	if i < 0 || i >= len(s.toks) || !s.toks[i].isName() {
		return ""
	}
	return unquote(s.toks[i])
}

// pragmaSets reports whether a PRAGMA statement sets a value: "PRAGMA
// [schema.]name = value" or "PRAGMA [schema.]name(value)" for a pragma that
// is not on the list of those that only report.
func (s *stmt) pragmaSets() bool {
	name, next, ok := s.qualified(1)
	if !ok {
		return true // not understood: assume the worst
	}
	switch s.typ(next) {
	case -1:
		return false
	case sp.SQLiteLexerASSIGN, sp.SQLiteLexerEQ:
		return true
	case tOpen:
		return !queryPragmas[name]
	}
	return true
}

// touchesTemp reports whether a DDL statement names the TEMP schema: the
// TEMP or TEMPORARY keyword, or a "temp." qualifier anywhere.
func (s *stmt) touchesTemp() bool {
	for i, t := range s.toks {
		switch {
		case t.typ == sp.SQLiteLexerTEMP_ || t.typ == sp.SQLiteLexerTEMPORARY_:
			return true
		case s.typ(i+1) == tDOT && t.isName() && (unquote(t) == "temp" || unquote(t) == "temporary"):
			return true
		}
	}
	return false
}
