// Command cache shows turso-pooled's result cache: it starts an in-process
// libSQL server (package tursotest), repeats a hot query, shows how many
// requests reached the server, then shows that a write through the same
// *sql.DB invalidates the cached result at once.
//
//	go run ./examples/cache
package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/signal"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// reads is how many times the hot query runs.
const reads = 500

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cache:", err)
		os.Exit(1)
	}
}

// run starts a server, drives it through turso-pooled and reports to out.
func run(ctx context.Context, out io.Writer) error {
	srv, err := tursotest.NewServer()
	if err != nil {
		return err
	}
	defer srv.Close()

	db, err := sql.Open("turso-pooled", srv.HTTPURL()+"?cache=on&cache_ttl=10s&cache_max_ttl=30s")
	if err != nil {
		return err
	}
	defer db.Close()
	if err := seed(ctx, db); err != nil {
		return err
	}

	const hot = "SELECT name, price FROM products WHERE price < ? ORDER BY price"
	before := srv.Stats().PipelineRequests
	for range reads {
		if _, err := cheapest(ctx, db, hot); err != nil {
			return err
		}
	}
	s, _ := tursopooled.StatsOf(db)
	fmt.Fprintf(out, "%d reads of the same query: %d requests reached the server\n",
		reads, srv.Stats().PipelineRequests-before)
	fmt.Fprintf(out, "cache: %d hits, %d misses (hit ratio %.1f%%), %d entries, %d bytes\n",
		s.Cache.Hits, s.Cache.Misses, 100*float64(s.Cache.Hits)/float64(max(s.Cache.Hits+s.Cache.Misses, 1)),
		s.Cache.Entries, s.Cache.Bytes)

	// A write through the same DB invalidates what reads the table.
	if _, err := db.ExecContext(ctx, "UPDATE products SET price = 1 WHERE name = 'mug'"); err != nil {
		return err
	}
	name, err := cheapest(ctx, db, hot)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "after UPDATE through the same DB, the cheapest product is %q (not a stale cached answer)\n", name)

	// Per query, the cache can be bypassed.
	if _, err := cheapest(tursopooled.WithoutCache(ctx), db, hot); err != nil {
		return err
	}
	fmt.Fprintln(out, "WithoutCache(ctx) read went to the server; writes by other processes are seen after at most cache_max_ttl (30s here)")
	return nil
}

// seed creates and fills the products table.
func seed(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, "CREATE TABLE products (name TEXT PRIMARY KEY, price INTEGER)"); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, "INSERT INTO products VALUES ('pen', 3), ('book', 12), ('mug', 8), ('lamp', 40)")
	return err
}

// cheapest runs the hot query and returns the first product's name.
func cheapest(ctx context.Context, db *sql.DB, query string) (string, error) {
	rows, err := db.QueryContext(ctx, query, 20)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var first string
	for rows.Next() {
		var name string
		var price int
		if err := rows.Scan(&name, &price); err != nil {
			return "", err
		}
		if first == "" {
			first = name
		}
	}
	return first, rows.Err()
}
