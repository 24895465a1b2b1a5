package otelmetrics

import (
	"database/sql"
	"errors"

	tursopooled "github.com/turso-pooled/tursopooled"
)

// StatsSource is what the callback registered by [Register] reads on each
// collection. A *tursopooled.Connector satisfies it; so does [ForDB]'s
// result. Stats must be safe for concurrent use.
type StatsSource interface {
	Stats() tursopooled.Stats
}

// ErrNotTursoPooled is returned by [ForDB] for a *sql.DB that does not use
// the turso-pooled driver directly.
var ErrNotTursoPooled = errors.New("otelmetrics: the *sql.DB does not use the turso-pooled driver " +
	"(an instrumentation wrapper hides it): pass the *tursopooled.Connector given to sql.OpenDB instead")

// ForDB returns the connector behind db as a [StatsSource]. db must have been
// opened with sql.Open("turso-pooled", …) or sql.OpenDB of a
// *tursopooled.Connector; otherwise the error is [ErrNotTursoPooled].
func ForDB(db *sql.DB) (StatsSource, error) {
	if db == nil {
		return nil, errors.New("otelmetrics: ForDB: nil *sql.DB")
	}
	c, ok := tursopooled.ConnectorOf(db)
	if !ok {
		return nil, ErrNotTursoPooled
	}
	return c, nil
}
