package sqlclass

import sp "github.com/tursodatabase/libsql-client-go/sqliteparser"

// Kind is what a single statement is; see [Info.Kind].
type Kind uint8

// Statement kinds reported in [Info.Kind].
const (
	// KindOther is anything else: EXPLAIN, PRAGMA, ATTACH, DETACH, a
	// statement not understood, or a string of several statements (or none).
	KindOther Kind = iota
	// KindSelect is SELECT, VALUES or WITH ... SELECT.
	KindSelect
	// KindInsert is INSERT [OR ABORT|FAIL|IGNORE|ROLLBACK] without an
	// ON CONFLICT clause.
	KindInsert
	// KindReplace is REPLACE or INSERT OR REPLACE, which deletes the rows
	// that conflict with a new row on any unique index.
	KindReplace
	// KindUpsert is an INSERT with an ON CONFLICT clause (and without
	// OR REPLACE).
	KindUpsert
	// KindUpdate is UPDATE.
	KindUpdate
	// KindDelete is DELETE.
	KindDelete
	// KindDDL is CREATE, DROP, ALTER, REINDEX, VACUUM or ANALYZE.
	KindDDL
	// KindTransaction is BEGIN, COMMIT, END, ROLLBACK, SAVEPOINT or RELEASE.
	KindTransaction
)

// String returns the lower-cased name of k.
func (k Kind) String() string {
	switch k {
	case KindSelect:
		return "select"
	case KindInsert:
		return "insert"
	case KindReplace:
		return "replace"
	case KindUpsert:
		return "upsert"
	case KindUpdate:
		return "update"
	case KindDelete:
		return "delete"
	case KindDDL:
		return "ddl"
	case KindTransaction:
		return "transaction"
	default:
		return "other"
	}
}

// statementKind returns the kind of a classified statement; s.lead is
// the index of its leading keyword after EXPLAIN and a WITH clause.
func (s *stmt) statementKind() Kind {
	switch s.kind {
	case kindRead:
		return KindSelect
	case kindDDL:
		return KindDDL
	case kindTx:
		return KindTransaction
	case kindWrite:
	default:
		return KindOther
	}
	switch s.typ(s.lead) {
	case sp.SQLiteLexerUPDATE_:
		return KindUpdate
	case sp.SQLiteLexerDELETE_:
		return KindDelete
	case sp.SQLiteLexerREPLACE_:
		return KindReplace
	}
	if s.typ(s.lead+1) == sp.SQLiteLexerOR_ && s.typ(s.lead+2) == sp.SQLiteLexerREPLACE_ {
		return KindReplace
	}
	for j := s.lead; j < len(s.toks); j++ {
		if s.typ(j) == sp.SQLiteLexerON_ && s.typ(j+1) == sp.SQLiteLexerCONFLICT_ && s.encl[j] == len(s.toks) {
			return KindUpsert
		}
	}
	return KindInsert
}
