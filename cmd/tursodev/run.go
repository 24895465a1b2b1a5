package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/turso-pooled/tursopooled/tursotest"
)

// config holds the parsed command line.
type config struct {
	db           string
	addr         string
	authToken    string
	tls          bool
	caOut        string
	streamExpiry time.Duration
	profile      tursotest.Profile
	stateless    bool
	ttlField     bool
	verbose      bool
}

// parseFlags parses args; the auth token defaults to $TURSODEV_AUTH_TOKEN.
func parseFlags(args []string, out io.Writer, getenv func(string) string) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("tursodev", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.db, "db", "", `SQLite database file (default: in memory, lost on exit)`)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen address (host:port; port 0 picks a free one)")
	fs.StringVar(&c.authToken, "auth-token", getenv("TURSODEV_AUTH_TOKEN"), "require this bearer token / hello jwt (default $TURSODEV_AUTH_TOKEN)")
	fs.BoolVar(&c.tls, "tls", false, "serve TLS with a generated CA (see -ca-out)")
	fs.StringVar(&c.caOut, "ca-out", "tursodev-ca.pem", "with -tls: write the CA certificate (PEM) to this file")
	fs.DurationVar(&c.streamExpiry, "stream-expiry", tursotest.DefaultStreamExpiry, "idle Hrana-over-HTTP stream expiry")
	profile := fs.String("profile", tursotest.ProfileSqld.String(), "answer HTTP requests as this server does: sqld, sqld-legacy (before v0.22.6) or turso-cloud")
	fs.BoolVar(&c.stateless, "stateless-close", false, "close streams without state after each pipeline (null baton), as Turso Cloud may")
	fs.BoolVar(&c.ttlField, "stream-ttl-field", false, `add "stream_ttl_ms" to responses that carry a baton (no real server sends it)`)
	fs.BoolVar(&c.verbose, "v", false, "log debug messages to stderr")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	p, err := tursotest.ParseProfile(*profile)
	if err != nil {
		return nil, fmt.Errorf("tursodev: -profile %q: accepted values are sqld, sqld-legacy and turso-cloud", *profile)
	}
	c.profile = p
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("tursodev: unexpected argument %q; all settings are flags (see -h)", fs.Arg(0))
	}
	if c.streamExpiry <= 0 {
		return nil, fmt.Errorf("tursodev: -stream-expiry %v must be positive, e.g. 10s", c.streamExpiry)
	}
	return c, nil
}

// run serves until ctx ends. It prints the URLs to use to out.
func run(ctx context.Context, args []string, out io.Writer, getenv func(string) string) error {
	c, err := parseFlags(args, out, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	opts := []tursotest.Option{
		tursotest.WithAddr(c.addr),
		tursotest.WithDBPath(c.db),
		tursotest.WithStreamExpiry(c.streamExpiry),
		tursotest.WithProfile(c.profile),
		tursotest.WithStatelessClose(c.stateless),
		tursotest.WithStreamTTLField(c.ttlField),
	}
	if c.authToken != "" {
		opts = append(opts, tursotest.WithAuthToken(c.authToken))
	}
	if c.tls {
		opts = append(opts, tursotest.WithTLS())
	}
	if c.verbose {
		opts = append(opts, tursotest.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	srv, err := tursotest.NewServer(opts...)
	if err != nil {
		return err
	}
	defer func() { _ = srv.Close() }()
	if c.tls {
		if err := os.WriteFile(c.caOut, srv.CACertPEM(), 0o644); err != nil {
			return fmt.Errorf("tursodev: write CA certificate to -ca-out %q: %w", c.caOut, err)
		}
	}
	printBanner(out, c, srv)
	<-ctx.Done()
	fmt.Fprintln(out, "tursodev: shutting down")
	return srv.Close()
}

// printBanner tells the user how to connect.
func printBanner(out io.Writer, c *config, srv *tursotest.Server) {
	db := c.db
	if db == "" {
		db = "in memory (lost on exit)"
	}
	fmt.Fprintf(out, "tursodev: serving %s on %s, answering as %s\n", db, srv.Addr(), c.profile)
	fmt.Fprintf(out, "  HTTP:      %s\n  WebSocket: %s\n  libsql:    %s\n", srv.HTTPURL(), srv.WSURL(), srv.LibsqlURL())
	auth := ""
	if c.authToken != "" {
		auth = " (token required: add libsql.WithAuthToken(token) via libsql.NewConnector, or ?authToken=... to the URL)"
	}
	fmt.Fprintf(out, "  Go:        db, err := sql.Open(\"libsql\", %q)%s\n", srv.HTTPURL(), auth)
	if c.tls {
		fmt.Fprintf(out, "  TLS:       CA certificate written to %s; trust it with SSL_CERT_FILE=%s\n", c.caOut, c.caOut)
		fmt.Fprintf(out, "%s", srv.CACertPEM())
	}
}
