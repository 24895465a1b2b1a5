// Command basic shows turso-pooled's keep-alive pool at work: it starts an
// in-process libSQL server (package tursotest), runs bursts of concurrent queries over
// WebSocket through database/sql with its default settings, and prints how
// few connections the server saw and what the pool saved, then runs the same
// work through the plain libsql driver for comparison.
//
//	go run ./examples/basic
//
// Against your own database, the only change is the DSN:
// "libsql://db-org.turso.io?authToken=…".
package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/tursotest"
	_ "github.com/tursodatabase/libsql-client-go/libsql" // the plain driver, for comparison
)

const (
	workers = 8
	rounds  = 50
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "basic:", err)
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

	dsn := srv.WSURL() + "?pool_min_conns=2&pool_max_conns=16"
	db, err := sql.Open("turso-pooled", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(out, "opened", dsn)

	if _, err := db.ExecContext(ctx, "CREATE TABLE visits (worker INTEGER, n INTEGER)"); err != nil {
		return err
	}
	if err := work(ctx, db); err != nil {
		return err
	}
	var total int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM visits").Scan(&total); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d bursts of %d concurrent workers wrote %d rows\n", rounds, workers, total)

	s, _ := tursopooled.StatsOf(db)
	p := s.Pool
	fmt.Fprintf(out, "server: %d TCP connections accepted, %d WebSocket sessions\n",
		srv.Stats().TCPAccepted, srv.Stats().WSSessions)
	fmt.Fprintf(out, "pool: %d open (%d idle), %d dialed, %d acquires, %d served warm (handshakes saved)\n",
		p.TotalConns(), p.IdleConns(), p.NewConnsCount(), p.AcquireCount(), p.HandshakesSaved())
	fmt.Fprintf(out, "acquire wait: p50 %v, p95 %v; adaptive target %d of max %d\n",
		p.WaitP50(), p.WaitP95(), p.TargetConns(), p.MaxConns())
	return compare(ctx, out, srv)
}

// compare runs the same work through the plain "libsql" driver with
// database/sql's defaults and reports the connections the server saw.
func compare(ctx context.Context, out io.Writer, srv *tursotest.Server) error {
	db, err := sql.Open("libsql", srv.WSURL())
	if err != nil {
		return err
	}
	defer db.Close()
	before := srv.Stats().TCPAccepted
	if err := work(ctx, db); err != nil {
		return err
	}
	fmt.Fprintf(out, "the same work through plain libsql: %d TCP connections accepted\n",
		srv.Stats().TCPAccepted-before)
	return nil
}

// work runs rounds bursts: in each, workers goroutines insert a row and
// count their rows at the same time, then all finish before the next burst
// (as a request that fans out does). Between bursts database/sql keeps only
// 2 idle connections and closes the others.
func work(ctx context.Context, db *sql.DB) error {
	for n := range rounds {
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Go(func() {
				if _, err := db.ExecContext(ctx, "INSERT INTO visits VALUES (?, ?)", w, n); err != nil {
					errs <- err
					return
				}
				var c int
				if err := db.QueryRowContext(ctx, "SELECT count(*) FROM visits WHERE worker = ?", w).Scan(&c); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}
