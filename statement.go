package tursopooled

import (
	"strings"

	"github.com/turso-pooled/tursopooled/sqlclass"
)

// statement is a SQL string with what the classifier found out about it.
type statement struct {
	sql  string
	info sqlclass.Info
}

// statement classifies query (memoized by sqlclass).
func (c *Connector) statement(query string) *statement {
	return &statement{sql: query, info: sqlclass.Classify(query)}
}

func (s *statement) readOnly() bool { return s.info.ReadOnly }

func (s *statement) writes() bool { return s.info.Writes() }

// begins reports whether the statement opens a transaction (BEGIN, or a
// SAVEPOINT, which opens one when none is open).
func (s *statement) begins() bool {
	return s.info.Transaction == sqlclass.TxBegin || s.info.Transaction == sqlclass.TxSavepoint
}

// ends reports whether the statement ends the transaction (COMMIT, END,
// ROLLBACK).
func (s *statement) ends() bool {
	return s.info.Transaction == sqlclass.TxCommit || s.info.Transaction == sqlclass.TxRollback
}

// cacheable reports whether the statement's result may be cached: a single,
// deterministic read of known tables.
func (s *statement) cacheable() bool {
	return s.info.Cacheable && s.info.Statements == 1
}

// storesValues reports whether the statement stores its arguments as column
// values: a single INSERT, REPLACE or UPDATE (possibly an upsert). These are
// the only statements whose large arguments compression frames; a DELETE or
// a SELECT only compares its arguments, which must stay as they are.
func (s *statement) storesValues() bool {
	if s.info.Statements != 1 || s.info.DDL || len(s.info.WriteTables) == 0 {
		return false
	}
	first, _, _ := strings.Cut(strings.TrimSpace(s.sql), " ")
	switch strings.ToUpper(first) {
	case "INSERT", "REPLACE", "UPDATE":
		return true
	}
	return false
}
