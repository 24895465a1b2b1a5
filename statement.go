package tursopooled

import "github.com/turso-pooled/tursopooled/sqlclass"

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

// cacheable reports whether the statement's result may be cached: a single,
// deterministic read of known tables.
func (s *statement) cacheable() bool {
	return s.info.Cacheable && s.info.Statements == 1
}
