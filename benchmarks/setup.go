package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/benchmarks/wansim"
	"github.com/turso-pooled/tursopooled/tursotest"
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
	base   string            // URL without query
	direct string            // URL of the server itself, without the proxy (the zipf external writer's)
	token  string            // never printed
	proxy  *wansim.Proxy     // nil against a real server
	srv    *tursotest.Server // nil against a real server
	prefix string            // table-name prefix
}

// open opens a fresh *sql.DB for the target.
func (t *target) open(poolSize int) (*sql.DB, error) {
	return t.cfg.open(t.base, t.token, poolSize)
}

// env owns the servers, proxies and targets of a run.
type env struct {
	remote     bool
	transports []transportSpec
	targets    map[string]*target // by config name + "|" + transport name
	servers    []*tursotest.Server
	proxies    []*wansim.Proxy
	restore    []func()
	setupDBs   map[string]*sql.DB // by transport name: direct, unproxied DBs for setup and cleanup
}

// target returns the target of config c on transport tr.
func (e *env) target(c, tr string) *target { return e.targets[c+"|"+tr] }

// newToken returns a random auth token for the embedded servers.
func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("benchmarks: generate auth token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// newEmbeddedEnv starts one TLS server per transport and one wansim proxy
// per (configuration, transport), and trusts the servers' CAs in process.
func newEmbeddedEnv(o *options) (_ *env, err error) {
	e := &env{targets: map[string]*target{}, setupDBs: map[string]*sql.DB{}}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	for _, tr := range allTransports {
		if !containsString(o.Transports, tr.Name) {
			continue
		}
		e.transports = append(e.transports, tr)
		srv, err := tursotest.NewServer(tursotest.WithTLS(), tursotest.WithAuthToken(token), tursotest.WithHTTP2(tr.HTTP2))
		if err != nil {
			return nil, fmt.Errorf("benchmarks: start %s server: %w", tr.Name, err)
		}
		e.servers = append(e.servers, srv)
		e.restore = append(e.restore, srv.TrustInProcess())
		if err := e.addTargets(o, tr, srv, token); err != nil {
			return nil, err
		}
		setup, err := allConfigs[1].open(tr.Scheme+"://"+srv.Addr(), token, 4)
		if err != nil {
			return nil, err
		}
		e.setupDBs[tr.Name] = setup
	}
	return e, nil
}

// addTargets creates the proxies and targets of transport tr: one per
// configuration the selected workloads use.
func (e *env) addTargets(o *options, tr transportSpec, srv *tursotest.Server, token string) error {
	for _, c := range runConfigs(o.Workloads) {
		p, err := wansim.New(wansim.Config{Target: srv.Addr(), RTT: o.RTT, ConnectRTT: true})
		if err != nil {
			return fmt.Errorf("benchmarks: start proxy for %s/%s: %w", c.Name, tr.Name, err)
		}
		e.proxies = append(e.proxies, p)
		e.targets[c.Name+"|"+tr.Name] = &target{
			cfg: c, tr: tr, base: tr.Scheme + "://" + p.Addr(), direct: tr.Scheme + "://" + srv.Addr(), token: token,
			proxy: p, srv: srv, prefix: "b_" + c.Short + "_",
		}
	}
	return nil
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
	setup, err := allConfigs[1].open(base, cfg.AuthToken, 4)
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

// close closes every setup DB, proxy and server and undoes the trust.
func (e *env) close() {
	for _, db := range e.setupDBs {
		_ = db.Close()
	}
	for _, p := range e.proxies {
		_ = p.Close()
	}
	for _, r := range e.restore {
		r()
	}
	for _, s := range e.servers {
		_ = s.Close()
	}
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
