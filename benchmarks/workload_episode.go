package main

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"
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

// episode returns the unit of the episode workload: the plan's 13
// operations, each its own statement through db (so each acquires a
// connection as a storage layer would):
//
//	1 insert of the episode row, 3 inserts of step rows with 2–8 KiB JSON,
//	then 9 reads: config "model", the episode, its steps, config "limits",
//	config "model" again, the episode again, its steps again, config
//	"features", config "model" again.
func episode(db *sql.DB, q episodeSQL, docs *docPool) unitFunc {
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
		for _, r := range reads {
			if err := w.op(r); err != nil {
				return err
			}
		}
		return nil
	}
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
