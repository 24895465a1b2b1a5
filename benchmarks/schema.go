package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/turso-pooled/tursopooled/compress/jsondoc"
)

// kvKeys is the number of rows of the key-value table.
const kvKeys = 1000

// configKeys are the rows of the config table that episodes read.
var configKeys = []string{"model", "limits", "features"}

// tables holds the table names of one target.
type tables struct {
	episodes, steps, config, kv, docs string
	ext                               string // rows of the zipf workload's external writer
}

// tablesFor returns the table names under prefix.
func tablesFor(prefix string) tables {
	return tables{episodes: prefix + "episodes", steps: prefix + "steps", config: prefix + "config",
		kv: prefix + "kv", docs: prefix + "docs", ext: prefix + "ext"}
}

// all returns every table name.
func (t tables) all() []string { return []string{t.episodes, t.steps, t.config, t.kv, t.docs, t.ext} }

// createSchema creates and seeds the tables of one target through db.
func createSchema(ctx context.Context, db *sql.DB, t tables) error {
	stmts := []string{
		"CREATE TABLE IF NOT EXISTS " + t.episodes + " (id INTEGER PRIMARY KEY, agent TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL)",
		"CREATE TABLE IF NOT EXISTS " + t.steps + " (id INTEGER PRIMARY KEY, episode_id INTEGER NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL)",
		"CREATE INDEX IF NOT EXISTS " + t.steps + "_by_episode ON " + t.steps + " (episode_id, seq)",
		"CREATE TABLE IF NOT EXISTS " + t.config + " (k TEXT PRIMARY KEY, v TEXT NOT NULL)",
		"CREATE TABLE IF NOT EXISTS " + t.kv + " (k INTEGER PRIMARY KEY, v TEXT NOT NULL)",
		"CREATE TABLE IF NOT EXISTS " + t.docs + " (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
		"CREATE TABLE IF NOT EXISTS " + t.ext + " (k INTEGER PRIMARY KEY, ver INTEGER NOT NULL)",
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("benchmarks: create schema: %w", err)
		}
	}
	for k := range extRows {
		if _, err := db.ExecContext(ctx, "INSERT OR REPLACE INTO "+t.ext+" (k, ver) VALUES (?, 0)", k); err != nil {
			return fmt.Errorf("benchmarks: seed %s: %w", t.ext, err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range configKeys {
		v := string(jsondoc.Generate(rng, 400))
		if _, err := db.ExecContext(ctx, "INSERT OR REPLACE INTO "+t.config+" (k, v) VALUES (?, ?)", k, v); err != nil {
			return fmt.Errorf("benchmarks: seed %s: %w", t.config, err)
		}
	}
	return seedKV(ctx, db, t.kv, rng)
}

// seedKV fills the key-value table with kvKeys rows of about 200 bytes, in
// batches of 250 rows.
func seedKV(ctx context.Context, db *sql.DB, table string, rng *rand.Rand) error {
	const batch = 250
	for lo := 0; lo < kvKeys; lo += batch {
		var sb strings.Builder
		args := make([]any, 0, 2*batch)
		sb.WriteString("INSERT OR REPLACE INTO " + table + " (k, v) VALUES ")
		for k := lo; k < min(lo+batch, kvKeys); k++ {
			if k > lo {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?)")
			args = append(args, k, kvValue(rng, k))
		}
		if _, err := db.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("benchmarks: seed %s: %w", table, err)
		}
	}
	return nil
}

// kvValue returns a value of about 200 bytes for key k.
func kvValue(rng *rand.Rand, k int) string {
	return fmt.Sprintf(`{"k":%d,"rev":%d,"note":"%s"}`, k, rng.IntN(1<<30), strings.Repeat("x", 160))
}

// dropSchema drops the tables of one target (only against a real server).
func dropSchema(ctx context.Context, db *sql.DB, t tables) error {
	for _, name := range t.all() {
		if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+name); err != nil {
			return fmt.Errorf("benchmarks: drop %s: %w", name, err)
		}
	}
	return nil
}

// truncateRuns deletes the rows the write workloads added, so that memory
// stays bounded and every cell starts from the same state.
func truncateRuns(ctx context.Context, db *sql.DB, t tables) error {
	for _, name := range []string{t.steps, t.episodes, t.docs} {
		if _, err := db.ExecContext(ctx, "DELETE FROM "+name); err != nil {
			return fmt.Errorf("benchmarks: clean %s: %w", name, err)
		}
	}
	return nil
}

// docPool holds pre-generated JSON documents so that generating them does
// not count in the measured time. It is read-only after newDocPool and safe
// for concurrent use.
type docPool struct{ docs []string }

// newDocPool generates n documents with sizes uniform in [minSize, maxSize].
func newDocPool(n, minSize, maxSize int, seed uint64) *docPool {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	p := &docPool{docs: make([]string, n)}
	for i := range p.docs {
		p.docs[i] = string(jsondoc.Generate(rng, minSize+rng.IntN(maxSize-minSize+1)))
	}
	return p
}

// pick returns a random document.
func (p *docPool) pick(rng *rand.Rand) string { return p.docs[rng.IntN(len(p.docs))] }

// meanSize returns the mean document size in bytes.
func (p *docPool) meanSize() float64 {
	var n int
	for _, d := range p.docs {
		n += len(d)
	}
	return float64(n) / float64(len(p.docs))
}
