package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

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
	Params string // turso-pooled DSN parameters besides the pool size ("cache=on&compress=br")
	Query  string // the whole turso-pooled DSN query, ignoring -pool
}

// allConfigs lists the configurations in their base order.
var allConfigs = []configSpec{
	{Name: cfgDefault, Short: "ld"},
	{Name: cfgTuned, Short: "lt"},
	{Name: cfgPooled, Short: "tp", Pooled: true},
	{Name: cfgFull, Short: "tpcb", Pooled: true, Params: "cache=on&compress=br"},
}

// Configuration names of the opt-in workloads.
const (
	cfgAdaptive = "adaptive"         // pool_min_conns=5, pool_max_conns=50, adaptive
	cfgFixedMin = "fixed-min"        // adaptive off, 5 connections at most
	cfgFixedMax = "fixed-max"        // adaptive off, 50 connections at most (5 pre-dialed)
	cfgBrotli   = "pooled+br"        // compress=br, cache off
	cfgCache    = "pooled+cache"     // cache=on, compress off
	cfgCacheBus = "pooled+cache+bus" // cache=on and cache_bus (the URL is added when Redis runs), compress off
)

// adaptiveMax is pool_max_conns of the adaptive and fixed-max
// configurations, adaptiveMin pool_min_conns of all three.
const (
	adaptiveMin = 5
	adaptiveMax = 50
)

// adaptiveConfigs are the pool sizings the adaptive workload compares. They
// ignore -pool: the issue fixes them at min 5 and max 50.
var adaptiveConfigs = []configSpec{
	{Name: cfgAdaptive, Short: "ad", Pooled: true, Query: "pool_min_conns=5&pool_max_conns=50&pool_adaptive=on"},
	{Name: cfgFixedMin, Short: "fmin", Pooled: true, Query: "pool_min_conns=5&pool_max_conns=5&pool_adaptive=off"},
	{Name: cfgFixedMax, Short: "fmax", Pooled: true, Query: "pool_min_conns=5&pool_max_conns=50&pool_adaptive=off"},
}

// compressionConfigs compare compress=br with no compression, cache off in
// both.
var compressionConfigs = []configSpec{
	allConfigs[2],
	{Name: cfgBrotli, Short: "tpbr", Pooled: true, Params: "compress=br"},
}

// cacheMissConfigs compare cache=on with cache=off, compression off in
// both.
var cacheMissConfigs = []configSpec{
	allConfigs[2],
	{Name: cfgCache, Short: "tpc", Pooled: true, Params: "cache=on"},
}

// replicaConfigs compare cache=on with and without the cache bus. Each
// has its own WAN proxy, so its URL, and the bus's database identity, is
// the same in every process of one scenario.
var replicaConfigs = []configSpec{
	cacheMissConfigs[1],
	{Name: cfgCacheBus, Short: "tpcbus", Pooled: true, Params: "cache=on"},
}

// everyConfig lists every configuration once, in report order.
var everyConfig = func() []configSpec {
	out := slices.Clone(allConfigs)
	for _, c := range slices.Concat(adaptiveConfigs, compressionConfigs, cacheMissConfigs, replicaConfigs) {
		if !slices.ContainsFunc(out, func(o configSpec) bool { return o.Name == c.Name }) {
			out = append(out, c)
		}
	}
	return out
}()

// configsFor returns the configurations workload wl compares.
func configsFor(wl string) []configSpec {
	switch wl {
	case wlOverhead:
		return []configSpec{allConfigs[1], allConfigs[2]}
	case wlAdaptive:
		return adaptiveConfigs
	case wlCompression:
		return compressionConfigs
	case wlCacheMiss:
		return cacheMissConfigs
	case wlReplicas:
		return replicaConfigs
	}
	return allConfigs
}

// runConfigs returns the configurations the workloads need targets for: the
// four standard ones always (the setup DB and the default tables use them),
// and those of the selected opt-in workloads.
func runConfigs(workloads []string) []configSpec {
	out := slices.Clone(allConfigs)
	for _, wl := range workloads {
		for _, c := range configsFor(wl) {
			if !slices.ContainsFunc(out, func(o configSpec) bool { return o.Name == c.Name }) {
				out = append(out, c)
			}
		}
	}
	return out
}

// configNames returns the names of cs.
func configNames(cs []configSpec) []string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return names
}

// poolSizes are the connection limits a run opens its DBs with.
type poolSizes struct {
	// MaxConns is pool_max_conns of the turso-pooled configurations, or 0
	// for the driver's default (no pool_max_conns in the DSN).
	MaxConns int
	// Tuned is SetMaxOpenConns and SetMaxIdleConns of libsql-tuned: the
	// maximum the turso-pooled configurations run with.
	Tuned int
}

// dsn returns the turso-pooled DSN of configuration c on the server at
// base (an https:// or wss:// URL without query): c.Query, or
// pool_max_conns (when maxConns > 0) and c.Params; then the token. The
// result holds the token: never print it.
func (c configSpec) dsn(base, token string, maxConns int) string {
	var params []string
	switch {
	case c.Query != "":
		params = append(params, c.Query)
	default:
		if maxConns > 0 {
			params = append(params, "pool_max_conns="+strconv.Itoa(maxConns))
		}
		if c.Params != "" {
			params = append(params, c.Params)
		}
	}
	if token != "" {
		params = append(params, "authToken="+url.QueryEscape(token))
	}
	if len(params) == 0 {
		return base
	}
	return base + "?" + strings.Join(params, "&")
}

// open opens a *sql.DB of configuration c on the server at base (an
// https:// or wss:// URL without query) with token, under the limits of
// sz. Errors never contain the token.
func (c configSpec) open(base, token string, sz poolSizes) (*sql.DB, error) {
	if c.Pooled {
		db, err := sql.Open("turso-pooled", c.dsn(base, token, sz.MaxConns))
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
		db.SetMaxOpenConns(sz.Tuned)
		db.SetMaxIdleConns(sz.Tuned)
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
