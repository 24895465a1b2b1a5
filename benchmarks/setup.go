package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/turso-pooled/tursopooled"
)

// transportSpec is one way of speaking Hrana to the embedded server.
type transportSpec struct {
	Name   string
	Scheme string // https or wss
	HTTP2  bool   // the server offers h2 through ALPN
}

// allTransports lists the embedded transports in their run order.
var allTransports = []transportSpec{
	{Name: "https-h1", Scheme: "https"},
	{Name: "https-h2", Scheme: "https", HTTP2: true},
	{Name: "wss", Scheme: "wss"},
}

// transportNames returns the names of allTransports.
func transportNames() []string {
	names := make([]string, len(allTransports))
	for i, t := range allTransports {
		names[i] = t.Name
	}
	return names
}

// target is one (configuration, transport) pair: where its DB connects,
// through which proxy, and under which table names.
type target struct {
	cfg    configSpec
	tr     transportSpec
	base   string        // URL without query
	direct string        // URL of the server itself, without the proxy (the zipf external writer's)
	token  string        // never printed
	proxy  *remoteProxy  // nil against a real server
	srv    *remoteServer // nil against a real server
	key    string        // configuration|transport: the proxy's name in the server process
	prefix string        // table-name prefix
}

// open opens a fresh *sql.DB for the target.
func (t *target) open(sz poolSizes) (*sql.DB, error) {
	return t.cfg.open(t.base, t.token, sz)
}

// env owns the server process (or the real server's URL), the targets and
// the setup DBs of a run.
type env struct {
	remote     bool
	transports []transportSpec
	targets    map[string]*target // by config name + "|" + transport name
	server     *serverProc        // nil against a real server
	restore    []func()
	setupDBs   map[string]*sql.DB // by transport name: direct, unproxied DBs for setup and cleanup
	stderr     io.Writer          // the run's stderr, shared with the child processes
	cas        [][]byte           // CAs of the embedded servers (PEM), for the replica processes to trust
	pin        pinning            // where the clients and the server process run
}

// target returns the target of config c on transport tr.
func (e *env) target(c, tr string) *target { return e.targets[c+"|"+tr] }

// setupSizes are the limits of the setup DBs (libsql-tuned, 4 connections).
var setupSizes = poolSizes{Tuned: 4}

// newToken returns a random auth token for the embedded servers.
func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("benchmarks: generate auth token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// newEmbeddedEnv starts the server process, pinned to pin.Server, with one
// TLS server per selected transport and one wansim proxy per
// (configuration, transport), and trusts the servers' CAs in this process.
// onFail is called if the server process dies before close.
func newEmbeddedEnv(o *options, pin pinning, stderr io.Writer, onFail func(error)) (_ *env, err error) {
	e := &env{targets: map[string]*target{}, setupDBs: map[string]*sql.DB{}, pin: pin, stderr: stderr}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	setup := serverSetup{Token: token, RTT: o.RTT}
	for _, tr := range allTransports {
		if !containsString(o.Transports, tr.Name) {
			continue
		}
		e.transports = append(e.transports, tr)
		setup.Transports = append(setup.Transports, serverSpec{Name: tr.Name, HTTP2: tr.HTTP2})
		for _, c := range runConfigs(o.Workloads) {
			setup.Proxies = append(setup.Proxies, proxyRequest{Key: c.Name + "|" + tr.Name, Transport: tr.Name})
		}
	}
	sp, ready, err := startServerProcess(pin.Server, setup, stderr, onFail)
	if err != nil {
		return nil, err
	}
	e.server = sp
	e.pin.Server, e.pin.ServerPID = ready.Pinned, ready.PID
	if ready.PinNote != "" {
		e.pin.Note = strings.TrimSpace(e.pin.Note + " Server process " + ready.PinNote + ".")
	}
	var cas [][]byte
	for _, a := range ready.Servers {
		cas = append(cas, a.CAPEM)
	}
	e.cas = cas
	restore, err := trustCAs(cas)
	if err != nil {
		return nil, err
	}
	e.restore = append(e.restore, restore)
	for _, tr := range e.transports {
		direct := tr.Scheme + "://" + ready.Servers[tr.Name].Addr
		for _, c := range runConfigs(o.Workloads) {
			key := c.Name + "|" + tr.Name
			e.targets[key] = &target{
				cfg: c, tr: tr, base: tr.Scheme + "://" + ready.Proxies[key], direct: direct, token: token,
				proxy: &remoteProxy{p: sp, key: key}, srv: &remoteServer{p: sp, tr: tr.Name}, key: key, prefix: "b_" + c.Short + "_",
			}
		}
		setupDB, err := allConfigs[1].open(direct, token, setupSizes)
		if err != nil {
			return nil, err
		}
		e.setupDBs[tr.Name] = setupDB
	}
	return e, nil
}

// newRemoteEnv prepares targets for a real server given by dsn, and checks
// within connectTimeout that it answers.
func newRemoteEnv(ctx context.Context, o *options, connectTimeout time.Duration) (_ *env, err error) {
	cfg, err := tursopooled.ParseDSN(o.DSN)
	if err != nil {
		return nil, fmt.Errorf("benchmarks: -dsn: %w", err)
	}
	base := cfg.URL
	if strings.HasPrefix(base, "file:") {
		return nil, errors.New("benchmarks: -dsn: file: URLs are local; accepted: a libsql://, https://, http://, wss:// or ws:// server URL")
	}
	if rest, ok := strings.CutPrefix(base, "libsql://"); ok {
		base = "https://" + rest
		if cfg.TLS == tursopooled.TLSOff {
			base = "http://" + rest
		}
	}
	scheme, _, _ := strings.Cut(base, "://")
	tr := transportSpec{Name: "remote-" + scheme, Scheme: scheme, HTTP2: true}
	e := &env{remote: true, transports: []transportSpec{tr}, targets: map[string]*target{}, setupDBs: map[string]*sql.DB{}}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	tag, err := newToken()
	if err != nil {
		return nil, err
	}
	for _, c := range runConfigs(o.Workloads) {
		e.targets[c.Name+"|"+tr.Name] = &target{cfg: c, tr: tr, base: base, direct: base, token: cfg.AuthToken,
			prefix: "tpbench_" + tag[:8] + "_" + c.Short + "_"}
	}
	setup, err := allConfigs[1].open(base, cfg.AuthToken, setupSizes)
	if err != nil {
		return nil, err
	}
	e.setupDBs[tr.Name] = setup
	pctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	var one int
	if err := setup.QueryRowContext(pctx, "SELECT 1").Scan(&one); err != nil {
		return nil, fmt.Errorf("benchmarks: -dsn server %s is unreachable or refused the query within %v: %w", redactedBase(base), connectTimeout, err)
	}
	return e, nil
}

// redactedBase returns the host part of a URL for messages.
func redactedBase(base string) string {
	if i := strings.Index(base, "@"); i >= 0 {
		scheme, _, _ := strings.Cut(base, "://")
		return scheme + "://REDACTED@" + base[i+1:]
	}
	return base
}

// close closes every setup DB, stops the server process and undoes the
// trust.
func (e *env) close() {
	for _, db := range e.setupDBs {
		_ = db.Close()
	}
	if e.server != nil {
		e.server.close()
	}
	for _, r := range e.restore {
		r()
	}
}

// alive reports whether the servers can still be reached: true against a
// real server, false once the server process failed.
func (e *env) alive() bool {
	if e.server == nil {
		return true
	}
	e.server.mu.Lock()
	defer e.server.mu.Unlock()
	return e.server.failed == nil
}

// containsString reports whether list holds s.
func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
