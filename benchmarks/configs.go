package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"strconv"

	"github.com/tursodatabase/libsql-client-go/libsql"

	_ "github.com/turso-pooled/tursopooled" // registers "turso-pooled"
)

// Configuration names, as they appear in every table and in results.json.
const (
	cfgDefault = "libsql-default"
	cfgTuned   = "libsql-tuned"
	cfgPooled  = "pooled"
	cfgFull    = "pooled+cache+br"
)

// configSpec is one way a user can reach the database.
type configSpec struct {
	Name   string
	Short  string // table-name prefix
	Pooled bool   // turso-pooled (StatsOf works)
	Params string // extra turso-pooled DSN parameters
}

// allConfigs lists the configurations in their base order.
var allConfigs = []configSpec{
	{Name: cfgDefault, Short: "ld"},
	{Name: cfgTuned, Short: "lt"},
	{Name: cfgPooled, Short: "tp", Pooled: true},
	{Name: cfgFull, Short: "tpcb", Pooled: true, Params: "&cache=on&compress=br"},
}

// configNames returns the names of cs.
func configNames(cs []configSpec) []string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return names
}

// open opens a *sql.DB of configuration c on the server at base (an
// https:// or wss:// URL without query) with token. poolSize is
// pool_max_conns, and both database/sql limits of libsql-tuned. Errors never
// contain the token.
func (c configSpec) open(base, token string, poolSize int) (*sql.DB, error) {
	if c.Pooled {
		dsn := base + "?pool_max_conns=" + strconv.Itoa(poolSize) + c.Params
		if token != "" {
			dsn += "&authToken=" + url.QueryEscape(token)
		}
		db, err := sql.Open("turso-pooled", dsn)
		if err != nil {
			return nil, fmt.Errorf("benchmarks: open %s: %w", c.Name, err)
		}
		return db, nil
	}
	var opts []libsql.Option
	if token != "" {
		opts = append(opts, libsql.WithAuthToken(token))
	}
	conn, err := libsql.NewConnector(base, opts...)
	if err != nil {
		return nil, fmt.Errorf("benchmarks: open %s: %w", c.Name, err)
	}
	db := sql.OpenDB(conn)
	if c.Name == cfgTuned {
		db.SetMaxOpenConns(poolSize)
		db.SetMaxIdleConns(poolSize)
	}
	return db, nil
}

// rotate returns cs rotated left by k, so that every configuration runs
// first in some run.
func rotate(cs []configSpec, k int) []configSpec {
	if len(cs) == 0 {
		return nil
	}
	k %= len(cs)
	out := append([]configSpec(nil), cs[k:]...)
	return append(out, cs[:k]...)
}
