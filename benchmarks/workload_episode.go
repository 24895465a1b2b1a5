package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/turso-pooled/tursopooled"
)

// episodeIDs hands out unique episode ids across all workers and cells.
var episodeIDs atomic.Int64

// episodeSQL holds the statements of the episode for one target.
type episodeSQL struct {
	insertEpisode, insertStep, readConfig, readEpisode, readSteps string
}

// newEpisodeSQL builds the statements for tables t.
func newEpisodeSQL(t tables) episodeSQL {
	return episodeSQL{
		insertEpisode: "INSERT INTO " + t.episodes + " (id, agent, status, created_at) VALUES (?, ?, ?, ?)",
		insertStep:    "INSERT INTO " + t.steps + " (episode_id, seq, payload) VALUES (?, ?, ?)",
		readConfig:    "SELECT v FROM " + t.config + " WHERE k = ?",
		readEpisode:   "SELECT id, agent, status, created_at FROM " + t.episodes + " WHERE id = ?",
		readSteps:     "SELECT seq, payload FROM " + t.steps + " WHERE episode_id = ? ORDER BY seq",
	}
}

// episodeReads names the episode's 9 reads in order.
var episodeReads = []string{"config model", "episode", "steps", "config limits", "config model", "episode again", "steps again",
	"config features", "config model"}

// episode returns the unit of the episode workload: the plan's 13
// operations, each its own statement through db (so each acquires a
// connection as a storage layer would):
//
//	1 insert of the episode row, 3 inserts of step rows with 2–8 KiB JSON,
//	then 9 reads: config "model", the episode, its steps, config "limits",
//	config "model" again, the episode again, its steps again, config
//	"features", config "model" again.
func episode(db *sql.DB, q episodeSQL, docs *docPool) unitFunc {
	return tracedEpisode(db, q, docs, nil)
}

// tracedEpisode is episode with afterRead, when not nil, called after each
// read i (an index into episodeReads).
func tracedEpisode(db *sql.DB, q episodeSQL, docs *docPool, afterRead func(i int)) unitFunc {
	return func(ctx context.Context, w *worker) error {
		id := episodeIDs.Add(1)
		if err := w.op(func() error {
			_, err := db.ExecContext(ctx, q.insertEpisode, id, fmt.Sprintf("agent-%d", w.id), "running", time.Now().UnixMilli())
			return err
		}); err != nil {
			return fmt.Errorf("insert episode: %w", err)
		}
		for seq := 1; seq <= 3; seq++ {
			if err := w.op(func() error {
				_, err := db.ExecContext(ctx, q.insertStep, id, seq, docs.pick(w.rng))
				return err
			}); err != nil {
				return fmt.Errorf("insert step: %w", err)
			}
		}
		reads := []func() error{
			func() error { return readConfig(ctx, db, q, "model") },
			func() error { return readEpisode(ctx, db, q, id) },
			func() error { return readSteps(ctx, db, q, id, 3) },
			func() error { return readConfig(ctx, db, q, "limits") },
			func() error { return readConfig(ctx, db, q, "model") },
			func() error { return readEpisode(ctx, db, q, id) },
			func() error { return readSteps(ctx, db, q, id, 3) },
			func() error { return readConfig(ctx, db, q, "features") },
			func() error { return readConfig(ctx, db, q, "model") },
		}
		for i, r := range reads {
			if err := w.op(r); err != nil {
				return err
			}
			if afterRead != nil {
				afterRead(i)
			}
		}
		return nil
	}
}

// traceMisses runs one unmeasured serial episode on db (turso-pooled with
// the cache on) and returns the reads the cache did not serve, as a bit
// mask of indexes into episodeReads; -1 when db has no cache.
func traceMisses(ctx context.Context, db *sql.DB, q episodeSQL, docs *docPool, seed uint64) (int, error) {
	st, ok := tursopooled.StatsOf(db)
	if !ok || !st.CacheOn {
		return -1, nil
	}
	last, mask := st.Cache.Hits, 0
	fn := tracedEpisode(db, q, docs, func(i int) {
		st, _ := tursopooled.StatsOf(db)
		if st.Cache.Hits == last {
			mask |= 1 << i
		}
		last = st.Cache.Hits
	})
	w := &worker{rng: rand.New(rand.NewPCG(seed, 1))}
	return mask, fn(ctx, w)
}

// putMissedReads stores a traceMisses mask in m as one 0/1 metric per read
// (missed_read_0 …), so that the median over runs is a majority vote.
func putMissedReads(m Metrics, mask int) {
	for i := range episodeReads {
		m[fmt.Sprintf("missed_read_%d", i)] = float64(mask >> i & 1)
	}
}

// missedReads names the reads that the traced episodes of most runs
// missed, or nil when none was traced.
func missedReads(m Metrics) []string {
	var out []string
	for i, name := range episodeReads {
		if m.get(fmt.Sprintf("missed_read_%d", i)) > 0.5 {
			out = append(out, fmt.Sprintf("%s (read %d)", name, i+1))
		}
	}
	return out
}

// readConfig reads one config value.
func readConfig(ctx context.Context, db *sql.DB, q episodeSQL, key string) error {
	var v []byte
	if err := db.QueryRowContext(ctx, q.readConfig, key).Scan(&v); err != nil {
		return fmt.Errorf("read config %q: %w", key, err)
	}
	return nil
}

// readEpisode reads the episode row.
func readEpisode(ctx context.Context, db *sql.DB, q episodeSQL, id int64) error {
	var (
		gotID, created int64
		agent, status  string
	)
	if err := db.QueryRowContext(ctx, q.readEpisode, id).Scan(&gotID, &agent, &status, &created); err != nil {
		return fmt.Errorf("read episode %d: %w", id, err)
	}
	if gotID != id {
		return fmt.Errorf("read episode %d: got id %d", id, gotID)
	}
	return nil
}

// readSteps reads the steps of the episode and checks their count and that
// every payload decodes as the JSON object it was written as.
func readSteps(ctx context.Context, db *sql.DB, q episodeSQL, id int64, want int) error {
	rows, err := db.QueryContext(ctx, q.readSteps, id)
	if err != nil {
		return fmt.Errorf("read steps of %d: %w", id, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var (
			seq     int
			payload []byte
		)
		if err := rows.Scan(&seq, &payload); err != nil {
			return fmt.Errorf("read steps of %d: %w", id, err)
		}
		if len(payload) < 2 || payload[0] != '{' || payload[len(payload)-1] != '}' {
			return fmt.Errorf("read steps of %d: payload %d is not the JSON document written (%d bytes)", id, seq, len(payload))
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read steps of %d: %w", id, err)
	}
	if n != want {
		return fmt.Errorf("read steps of %d: got %d rows, want %d", id, n, want)
	}
	return nil
}
