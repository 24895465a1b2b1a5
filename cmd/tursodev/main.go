// Command tursodev runs tursotest's Turso/sqld-compatible server as a
// standalone local development server, backed by an SQLite file or memory:
//
//	go run ./cmd/tursodev -db app.db -addr 127.0.0.1:8080
//
// It prints the http://, ws:// and libsql:// URLs to use, and stops cleanly
// on SIGINT or SIGTERM. -profile chooses whose HTTP answers it gives: sqld
// (the default), sqld-legacy (sqld before v0.22.6) or turso-cloud (the SQL
// over HTTP protocol, version 3); see tursotest.Profile.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, err)
		stop()
		os.Exit(2)
	}
}
