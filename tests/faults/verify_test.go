package faults

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// stored is what the witness connection found for the load's writes.
type stored struct {
	acked, unknown int      // writes the caller saw succeed / fail
	unknownStored  int      // failed writes that were applied anyway
	lost           []string // acknowledged keys not stored
	duplicated     []string // keys stored more than once, with their count
	phantom        []string // stored keys no worker ever wrote
}

// checkStored reads every key of table through witness and compares it
// with the records: each acknowledged write stored exactly once, each
// failed write at most once, nothing else.
func checkStored(witness *sql.DB, table string, recs []opRecord) (stored, error) {
	counts, err := countKeys(witness, table)
	if err != nil {
		return stored{}, err
	}
	var s stored
	written := map[string]bool{}
	for _, r := range recs {
		if r.kind != opWrite {
			continue
		}
		written[r.key] = true
		n := counts[r.key]
		switch {
		case r.err == nil:
			s.acked++
			if n == 0 {
				s.lost = append(s.lost, r.key)
			}
		default:
			s.unknown++
			if n > 0 {
				s.unknownStored++
			}
		}
	}
	for k, n := range counts {
		switch {
		case !written[k]:
			s.phantom = append(s.phantom, k)
		case n > 1:
			s.duplicated = append(s.duplicated, fmt.Sprintf("%s×%d", k, n))
		}
	}
	sort.Strings(s.lost)
	sort.Strings(s.duplicated)
	sort.Strings(s.phantom)
	return s, nil
}

// countKeys returns how many rows hold each key.
func countKeys(db *sql.DB, table string) (map[string]int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, "SELECT k, count(*) FROM "+table+" GROUP BY k")
	if err != nil {
		return nil, fmt.Errorf("witness read of %s: %w", table, err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("witness scan: %w", err)
		}
		counts[k] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("witness rows: %w", err)
	}
	return counts, nil
}

// firstN returns at most n items, for readable failure messages.
func firstN(items []string, n int) []string {
	if len(items) > n {
		return append(items[:n:n], fmt.Sprintf("… (%d more)", len(items)-n))
	}
	return items
}
