package sqlclass

// TxKind names the transaction-control statement a SQL string contains.
type TxKind uint8

// Transaction-control kinds reported in [Info.Transaction].
const (
	// TxNone means no transaction-control statement.
	TxNone TxKind = iota
	// TxBegin is BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE] [TRANSACTION].
	TxBegin
	// TxCommit is COMMIT or END [TRANSACTION].
	TxCommit
	// TxRollback is ROLLBACK [TRANSACTION] (ends the transaction).
	TxRollback
	// TxRollbackTo is ROLLBACK ... TO [SAVEPOINT] name (the transaction stays open).
	TxRollbackTo
	// TxSavepoint is SAVEPOINT name (starts a transaction when none is open).
	TxSavepoint
	// TxRelease is RELEASE [SAVEPOINT] name (commits when it releases the outermost savepoint).
	TxRelease
)

// String returns the SQL keyword(s) of k, or "none".
func (k TxKind) String() string {
	switch k {
	case TxBegin:
		return "begin"
	case TxCommit:
		return "commit"
	case TxRollback:
		return "rollback"
	case TxRollbackTo:
		return "rollback to"
	case TxSavepoint:
		return "savepoint"
	case TxRelease:
		return "release"
	default:
		return "none"
	}
}

// Info is what [Classify] found out about a SQL string. An Info returned by
// Classify is shared with other callers through the memo: its slices must be
// treated as read-only.
type Info struct {
	// Statements is the number of non-empty statements in the string.
	Statements int
	// ReadOnly is true when there is at least one statement and every
	// statement is a SELECT, VALUES, WITH ... SELECT, or an EXPLAIN of
	// anything (EXPLAIN compiles but never runs its statement). Anything the
	// classifier does not fully understand is not read-only.
	ReadOnly bool
	// Cacheable is true when ReadOnly holds, no statement is an EXPLAIN,
	// ReadTables is complete, and every function called is on the
	// deterministic allow-list (see package doc). Results of a cacheable
	// string change only when a table in ReadTables is written (or the schema
	// changes), given the caveats on views and triggers in the package doc.
	Cacheable bool
	// ReadTables are the lower-cased, de-duplicated, sorted names of tables
	// and views read (FROM, JOIN, subqueries, CTE bodies, "x IN table"),
	// without schema qualifier ("main.t" and "aux.t" both become "t") and
	// without CTE names used after their definition.
	ReadTables []string
	// WriteTables are the lower-cased, de-duplicated, sorted names of the
	// syntactic targets of INSERT, REPLACE, UPDATE and DELETE, and of the
	// objects a CREATE/DROP/ALTER statement creates or changes (for CREATE
	// INDEX, the indexed table; for ALTER TABLE ... RENAME TO, both names; for
	// CREATE TRIGGER, the tables its body writes). Schema qualifiers are
	// dropped.
	WriteTables []string
	// WritesUnknown is true when a statement may write tables that
	// WriteTables cannot name: PRAGMA, ATTACH/DETACH, DROP INDEX/TRIGGER,
	// CREATE TRIGGER, and any statement the classifier does not understand.
	WritesUnknown bool
	// DDL is true for CREATE, DROP, ALTER, REINDEX, VACUUM and ANALYZE.
	DDL bool
	// Transaction is the kind of the last transaction-control statement in
	// the string (the one that decides the transaction state afterwards), or
	// TxNone.
	Transaction TxKind
	// Pragma is true when a statement is a PRAGMA.
	Pragma bool
	// HasReturning is true when a statement has a RETURNING clause.
	HasReturning bool
	// Attach is true for ATTACH and DETACH, which change what names mean.
	Attach bool
	// Session lists, in statement order, what the string's statements do
	// to the session of the connection that runs them beyond their data:
	// transaction control, TEMP objects, ATTACH/DETACH, PRAGMAs that set a
	// value, and statements not understood. Nil for most statements.
	Session []Effect
	// Kind is what the string's only statement is; KindOther for several
	// statements, none, or one that is not understood.
	Kind Kind
	// Keys is, for a single SELECT, INSERT, REPLACE, UPDATE or DELETE of
	// one table without sub-query, what it restricts its rows to and what
	// it stores (see [Keys]); nil otherwise. Shared: treat as read-only.
	Keys *Keys
}

// InvalidatesAll reports whether executing the string must invalidate every
// cached result: it changes the schema or name resolution (DDL, ATTACH,
// DETACH, PRAGMA), or it may write tables that cannot be named.
func (i Info) InvalidatesAll() bool {
	return i.DDL || i.WritesUnknown || i.Attach || i.Pragma
}

// Writes reports whether executing the string may change data or schema.
func (i Info) Writes() bool {
	return len(i.WriteTables) > 0 || i.InvalidatesAll()
}
