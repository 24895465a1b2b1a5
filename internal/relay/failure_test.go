package relay

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// markRE matches the marker that ends the error text of a recorded answer.
var markRE = regexp.MustCompile(`^(.*) \[turso-pooled relay ([0-9a-f]{16})#([1-9][0-9]*)\]$`)

// upstreamError decodes a non-200 answer the way libsql-client-go's
// hranaV2 sendPipelineRequest does: any JSON object decodes into
// {"error": string}, and the error is a plain fmt.Errorf.
func upstreamError(status int, body string) error {
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		return fmt.Errorf("error code %d: %s", status, body)
	}
	return fmt.Errorf("error code %d: %s", status, e.Error)
}

// answer returns a handler that drains the request and writes status,
// header and body, gzip-compressed if gz.
func answer(status int, header map[string]string, body string, gz bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		for k, v := range header {
			w.Header().Set(k, v)
		}
		if gz {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			_, _ = io.WriteString(zw, body)
			_ = zw.Close()
			w.Header().Set("Content-Encoding", "gzip")
			w.WriteHeader(status)
			_, _ = w.Write(buf.Bytes())
			return
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestRelayFailureServerAnswers(t *testing.T) {
	const jsonCT = "application/json"
	tests := []struct {
		name     string
		status   int
		header   map[string]string
		body     string
		gzip     bool
		want     Failure // Written is always true
		wantText string  // the human-readable part of the error
	}{
		{name: "Status=500/Body=sqld-json", status: 500, header: map[string]string{"Content-Type": jsonCT},
			body:     `{"message":"The stream has expired due to inactivity","code":"STREAM_EXPIRED"}`,
			want:     Failure{Status: 500, ContentType: jsonCT, Code: "STREAM_EXPIRED", Message: "The stream has expired due to inactivity"},
			wantText: "STREAM_EXPIRED: The stream has expired due to inactivity"},
		{name: "Status=400/Body=text", status: 400, header: map[string]string{"Content-Type": "text/plain; charset=utf-8"},
			body:     "  Invalid request: missing field `baton`\n",
			want:     Failure{Status: 400, ContentType: "text/plain", Message: "Invalid request: missing field `baton`"},
			wantText: "Invalid request: missing field `baton`"},
		{name: "Status=410/Body=error-and-code", status: 410, header: map[string]string{"Content-Type": "Application/JSON; charset=utf-8"},
			body:     `{"error":"The stream has expired","code":"STREAM_EXPIRED"}`,
			want:     Failure{Status: 410, ContentType: jsonCT, Code: "STREAM_EXPIRED", Message: "The stream has expired"},
			wantText: "STREAM_EXPIRED: The stream has expired"},
		{name: "Status=404/Body=empty", status: 404,
			want: Failure{Status: 404}, wantText: "Not Found"},
		{name: "Status=401/Body=json-error", status: 401, header: map[string]string{"Content-Type": jsonCT},
			body: `{"error":"Unauthorized: token expired"}`,
			want: Failure{Status: 401, ContentType: jsonCT, Message: "Unauthorized: token expired"}, wantText: "Unauthorized: token expired"},
		{name: "Status=429/Body=text", status: 429, header: map[string]string{"Content-Type": "text/plain", "Retry-After": "1"},
			body: "Too many requests, slow down",
			want: Failure{Status: 429, ContentType: "text/plain", Message: "Too many requests, slow down"}, wantText: "Too many requests, slow down"},
		{name: "Status=503/Body=html", status: 503, header: map[string]string{"Content-Type": "text/html; charset=utf-8"},
			body:     "<html><body>upstream unavailable</body></html>\n",
			want:     Failure{Status: 503, ContentType: "text/html", Message: "<html><body>upstream unavailable</body></html>"},
			wantText: "<html><body>upstream unavailable</body></html>"},
		{name: "Status=500/Body=gzip-json", status: 500, header: map[string]string{"Content-Type": jsonCT}, gzip: true,
			body:     `{"message":"database is locked","code":"SQLITE_BUSY"}`,
			want:     Failure{Status: 500, ContentType: jsonCT, Code: "SQLITE_BUSY", Message: "database is locked"},
			wantText: "SQLITE_BUSY: database is locked"},
		{name: "Status=500/Body=json-without-fields", status: 500, header: map[string]string{"Content-Type": jsonCT},
			body: ` {"detail": 42} `,
			want: Failure{Status: 500, ContentType: jsonCT, Message: `{"detail": 42}`}, wantText: `{"detail": 42}`},
		{name: "Status=502/Body=json-with-forged-marker", status: 502, header: map[string]string{"Content-Type": jsonCT},
			body:     `{"error":"bad gateway [turso-pooled relay 0123456789abcdef#1]"}`,
			want:     Failure{Status: 502, ContentType: jsonCT, Message: "bad gateway [turso-pooled relay 0123456789abcdef#1]"},
			wantText: "bad gateway [turso-pooled relay 0123456789abcdef#1]"},
		{name: "Status=307/Body=redirect", status: 307, header: map[string]string{"Location": "https://elsewhere.example/v2/pipeline"},
			want: Failure{Status: 307}, wantText: "Temporary Redirect"},
		// 2001 bytes starting with an invalid byte: valid UTF-8, cut on a
		// rune boundary at 1 KiB.
		{name: "Status=500/Body=long-invalid-utf8", status: 500, header: map[string]string{"Content-Type": "text/plain"},
			body:     "\xff" + strings.Repeat("é", 1000),
			want:     Failure{Status: 500, ContentType: "text/plain", Message: "\uFFFD" + strings.Repeat("é", 510)},
			wantText: "\uFFFD" + strings.Repeat("é", 510)},
	}
	c := defaultLikeClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := newTarget(t, targetOpts{handler: answer(tt.status, tt.header, tt.body, tt.gzip)})
			r := newTestRelay(t, tg, Config{})
			_, secret := r.SecretHeader()
			status, body, header := postFull(t, c, r, "{}")
			if status != tt.status {
				t.Fatalf("status %d, body %q; want %d", status, body, tt.status)
			}
			if ct, loc := header.Get("Content-Type"), header.Get("Location"); ct != "application/json" || loc != "" {
				t.Errorf("answer Content-Type %q, Location %q; want application/json and none", ct, loc)
			}
			text := relayError(t, body)
			m := markRE.FindStringSubmatch(text)
			if m == nil || m[1] != tt.wantText || strings.Contains(body, secret) {
				t.Fatalf("error text %q; want %q followed by a marker, without the secret", text, tt.wantText)
			}
			err := upstreamError(status, body)
			f, ok := r.Failure(err)
			if !ok {
				t.Fatalf("Failure(%q) found nothing", err)
			}
			want := tt.want
			want.Written = true
			if *f != want {
				t.Errorf("Failure = %+v; want %+v", *f, want)
			}
			if !utf8.ValidString(f.Message) || len(f.Message) > maxMessageLen {
				t.Errorf("Message has %d bytes, valid UTF-8 %v; want at most %d valid bytes", len(f.Message), utf8.ValidString(f.Message), maxMessageLen)
			}
			if _, ok := r.Failure(err); ok {
				t.Error("second Failure lookup of the same error succeeded")
			}
			if s := r.Stats(); s.Errors != 0 || s.Requests != 1 {
				t.Errorf("Stats = %+v; want Requests=1 Errors=0 (a server's answer is no relay error)", s)
			}
		})
	}
}

// postFull sends body to r's /v2/pipeline with the secret header and
// returns the status, body and header of the answer.
func postFull(t *testing.T, c *http.Client, r *Relay, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.URL()+"/v2/pipeline", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(r.SecretHeader())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// rawTarget listens on 127.0.0.1 and runs serve on each accepted connection
// until the test ends. It returns the target's URL.
func rawTarget(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { defer conn.Close(); serve(conn) })
		}
	})
	return "http://" + ln.Addr().String()
}

// closedPortURL returns the URL of a port on 127.0.0.1 nobody listens on.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	ln.Close()
	return u
}

func TestRelayFailureTransport(t *testing.T) {
	untrusted := newTarget(t, targetOpts{tls: true})
	readThenClose := rawTarget(t, func(conn net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(conn))
		if err == nil {
			_, _ = io.Copy(io.Discard, req.Body)
		}
	})
	closeAtOnce := rawTarget(t, func(net.Conn) {})
	tests := []struct {
		name, target string
		wantWritten  bool
		check        func(t *testing.T, err error)
	}{
		{name: "Target=closed-port", target: closedPortURL(t), check: func(t *testing.T, err error) {
			var op *net.OpError
			if !errors.As(err, &op) || op.Op != "dial" || !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("Err %#v; want a dial *net.OpError wrapping ECONNREFUSED", err)
			}
		}},
		{name: "Target=untrusted-tls", target: untrusted.srv.URL, check: func(t *testing.T, err error) {
			// Wrapped in *tls.CertificateVerificationError by crypto/tls,
			// or not when a test installed its own verification.
			var ua x509.UnknownAuthorityError
			if !errors.As(err, &ua) {
				t.Errorf("Err %#v; want an x509.UnknownAuthorityError", err)
			}
		}},
		{name: "Target=reads-then-closes", target: readThenClose, wantWritten: true, check: func(t *testing.T, err error) {
			if !errors.Is(err, io.EOF) {
				t.Errorf("Err %#v; want one wrapping io.EOF", err)
			}
		}},
		// Conservative: the connection was made, so the request may have
		// been received before the server closed it.
		{name: "Target=closes-at-once", target: closeAtOnce, wantWritten: true, check: func(t *testing.T, err error) {
			if err == nil {
				t.Error("Err is nil")
			}
		}},
	}
	c := defaultLikeClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := untrusted.url(t)
			u.Scheme, u.Host, _ = strings.Cut(tt.target, "://")
			r, err := New(Config{Target: u, Secret: NewSecret()}) // default transport: system roots only
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			status, body, _ := postFull(t, c, r, `{"requests":[]}`)
			text := relayError(t, body)
			if status != http.StatusBadGateway || !strings.HasPrefix(text, "turso-pooled relay: ") || !markRE.MatchString(text) {
				t.Fatalf("status %d, error %q; want 502 and a turso-pooled relay error with a marker", status, text)
			}
			f, ok := r.Failure(upstreamError(status, body))
			if !ok {
				t.Fatalf("Failure of %q found nothing", text)
			}
			if f.Status != 0 || f.ContentType != "" || f.Code != "" || f.Message != "" || f.Written != tt.wantWritten {
				t.Errorf("Failure = %+v; want Status 0, no server fields, Written %v", *f, tt.wantWritten)
			}
			if f.Err == nil || !strings.Contains(text, f.Err.Error()) {
				t.Errorf("Err %v; want the transport error the text reports", f.Err)
			}
			tt.check(t, f.Err)
			if s := r.Stats(); s.Errors != 1 {
				t.Errorf("Stats.Errors = %d; want 1", s.Errors)
			}
		})
	}
	if n := untrusted.hits.Load(); n != 0 {
		t.Errorf("untrusted target served %d requests; want 0", n)
	}
}

func TestRelayFailureCancelled(t *testing.T) {
	tg, entered, cancelled := blockingTarget(t)
	r := newTestRelay(t, tg, Config{MaxConns: 1})
	c := defaultLikeClient(t)
	send := func(ctx context.Context) <-chan struct{} {
		done := make(chan struct{})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL()+"/v2/pipeline", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(r.SecretHeader())
		go func() {
			defer close(done)
			if resp, err := c.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
		return done
	}
	sentCtx, cancelSent := context.WithCancel(context.Background())
	defer cancelSent()
	sentDone := send(sentCtx)
	waitChan(t, entered, "the target to get the first request")
	queuedCtx, cancelQueued := context.WithCancel(context.Background())
	defer cancelQueued()
	queuedDone := send(queuedCtx) // waits for the only connection
	waitFor(t, "the second request to reach the relay", func() bool { return r.Stats().InFlight == 2 })

	cancelQueued()
	<-queuedDone
	waitFor(t, "the queued request's failure", func() bool { return r.failures.len() == 1 })
	if f, ok := r.failures.take(1); !ok || f.Status != 0 || f.Written || !errors.Is(f.Err, context.Canceled) {
		t.Errorf("queued request: Failure %+v, %v; want Status 0, Written false, context.Canceled", f, ok)
	}

	cancelSent()
	<-sentDone
	waitChan(t, cancelled, "the target's request to be cancelled")
	waitFor(t, "the sent request's failure", func() bool { return r.failures.len() == 1 })
	if f, ok := r.failures.take(2); !ok || f.Status != 0 || !f.Written || !errors.Is(f.Err, context.Canceled) {
		t.Errorf("sent request: Failure %+v, %v; want Status 0, Written true, context.Canceled", f, ok)
	}
}

// failingBody returns some bytes and then err.
type failingBody struct {
	data []byte
	err  error
}

// Read implements io.Reader.
func (b *failingBody) Read(p []byte) (int, error) {
	if len(b.data) == 0 {
		return 0, b.err
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

// Close implements io.Closer.
func (*failingBody) Close() error { return nil }

func TestRelayFailureRefusals(t *testing.T) {
	errBroken := errors.New("client went away")
	tests := []struct {
		name       string
		closed     bool
		secret     string // "" means the right one
		body       io.ReadCloser
		wantStatus int
		wantErr    error // nil: no record
		wantErrors int64
	}{
		{name: "Refusal=closed", closed: true, body: io.NopCloser(strings.NewReader("{}")),
			wantStatus: http.StatusServiceUnavailable, wantErr: ErrClosed},
		{name: "Refusal=body-read", body: &failingBody{data: []byte(`{"req`), err: errBroken},
			wantStatus: http.StatusBadRequest, wantErr: errBroken, wantErrors: 1},
		{name: "Refusal=secret", secret: NewSecret(), body: io.NopCloser(strings.NewReader("{}")),
			wantStatus: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := newTarget(t, targetOpts{})
			r := newTestRelay(t, tg, Config{})
			if tt.closed {
				if err := r.Close(); err != nil {
					t.Fatal(err)
				}
			}
			req := httptest.NewRequest(http.MethodPost, "/v2/pipeline", tt.body)
			req.ContentLength = 40
			name, secret := r.SecretHeader()
			if tt.secret != "" {
				secret = tt.secret
			}
			req.Header.Set(name, secret)
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, body %q; want %d", rec.Code, body, tt.wantStatus)
			}
			f, ok := r.Failure(upstreamError(rec.Code, body))
			switch {
			case tt.wantErr == nil && (ok || r.failures.len() != 0):
				t.Errorf("Failure = %+v, %v, %d records; want no record", f, ok, r.failures.len())
			case tt.wantErr != nil && !ok:
				t.Fatalf("Failure of %q found nothing", body)
			case tt.wantErr != nil && (f.Status != 0 || f.Written || !errors.Is(f.Err, tt.wantErr)):
				t.Errorf("Failure = %+v; want Status 0, Written false, Err wrapping %v", *f, tt.wantErr)
			}
			if s := r.Stats(); s.Errors != tt.wantErrors || tg.hits.Load() != 0 {
				t.Errorf("Stats.Errors = %d, target hits %d; want %d and 0", s.Errors, tg.hits.Load(), tt.wantErrors)
			}
		})
	}
}

func TestRelayFailureLookup(t *testing.T) {
	tg := newTarget(t, targetOpts{handler: answer(500, map[string]string{"Content-Type": "application/json"},
		`{"message":"boom","code":"SQLITE_ERROR"}`, false)})
	r := newTestRelay(t, tg, Config{})
	other := newTestRelay(t, tg, Config{})
	c := defaultLikeClient(t)
	status, body, _ := postFull(t, c, r, "{}")
	genuine := upstreamError(status, body)
	m := markRE.FindStringSubmatch(genuine.Error())
	if m == nil {
		t.Fatalf("error %q has no marker", genuine)
	}
	tag, id := m[2], m[3]
	otherStatus, otherBody, _ := postFull(t, c, other, "{}")
	otherErr := upstreamError(otherStatus, otherBody)
	forged := []struct {
		name string
		err  error
	}{
		{name: "nil"},
		{name: "no-marker", err: errors.New("error code 400: quota exceeded")},
		{name: "other-tag", err: fmt.Errorf("error code 500: boom [turso-pooled relay %s#%s]", strings.Repeat("0", 16), id)},
		{name: "other-relay", err: otherErr},
		{name: "unknown-id", err: fmt.Errorf("error code 500: boom [turso-pooled relay %s#%s7]", tag, id)},
		{name: "leading-zero", err: fmt.Errorf("error code 500: boom [turso-pooled relay %s#0%s]", tag, id)},
		{name: "signed", err: fmt.Errorf("error code 500: boom [turso-pooled relay %s#+%s]", tag, id)},
		{name: "unterminated", err: fmt.Errorf("error code 500: boom [turso-pooled relay %s#%s", tag, id)},
		{name: "trailing-junk", err: fmt.Errorf("error code 500: boom [turso-pooled relay %s#%sx]", tag, id)},
		{name: "overflow", err: fmt.Errorf("error code 500: boom [turso-pooled relay %s#99999999999999999999]", tag)},
	}
	for _, tt := range forged {
		if f, ok := r.Failure(tt.err); ok {
			t.Errorf("%s: Failure(%v) = %+v; want ok false", tt.name, tt.err, *f)
		}
	}
	// A genuine marker followed by a forged one: the last marker counts.
	if _, ok := r.Failure(fmt.Errorf("%w [turso-pooled relay %s#%s7]", genuine, tag, id)); ok {
		t.Error("a forged marker after the genuine one was accepted")
	}
	wrapped := fmt.Errorf("turso-pooled: exec: %w", genuine)
	if f, ok := r.Failure(wrapped); !ok || f.Code != "SQLITE_ERROR" || f.Message != "boom" {
		t.Errorf("Failure of the wrapped genuine error = %+v, %v; want the recorded SQLITE_ERROR", f, ok)
	}
	if _, ok := r.Failure(genuine); ok {
		t.Error("second lookup succeeded; want the record forgotten")
	}
	if f, ok := other.Failure(otherErr); !ok || f.Status != 500 {
		t.Errorf("other relay's own lookup = %+v, %v; want its record", f, ok)
	}
}

func TestRelayFailureOKAnswerUnchanged(t *testing.T) {
	// A SQL error travels inside a 200 answer: it passes through untouched,
	// even when its message looks like an HTTP error.
	const sqlErr = `{"baton":null,"base_url":null,"results":[{"type":"error","error":{"message":"error code 400: quota exceeded","code":"SQLITE_CONSTRAINT_TRIGGER"}}]}`
	tg := newTarget(t, targetOpts{handler: answer(200, map[string]string{"Content-Type": "application/json", "X-Server": "s"}, sqlErr, false)})
	r := newTestRelay(t, tg, Config{})
	status, body, header := postFull(t, defaultLikeClient(t), r, "{}")
	if status != 200 || body != sqlErr || header.Get("X-Server") != "s" || header.Get("Content-Type") != "application/json" {
		t.Errorf("status %d, body %q, header %v; want the server's 200 answer unchanged", status, body, header)
	}
	if _, ok := r.Failure(errors.New("error code 400: quota exceeded")); ok || r.failures.len() != 0 {
		t.Errorf("%d records after a 200 answer; want none", r.failures.len())
	}
}

func TestFailureLogBounds(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := newFailureLog()
	l.now = func() time.Time { return now }
	for range 3 * maxFailures {
		l.add(&Failure{})
	}
	if n := l.len(); n != maxFailures {
		t.Errorf("%d records after %d adds; want %d", n, 3*maxFailures, maxFailures)
	}
	if _, ok := l.take(2 * maxFailures); ok {
		t.Error("a record beyond the bound was kept")
	}
	if _, ok := l.take(3 * maxFailures); !ok {
		t.Error("the newest record was dropped")
	}

	l = newFailureLog()
	l.now = func() time.Time { return now }
	old := l.add(&Failure{Message: "old"})
	now = now.Add(failureTTL - time.Second)
	young := l.add(&Failure{Message: "young"})
	now = now.Add(2 * time.Second)
	if f, ok := l.take(old); ok {
		t.Errorf("record older than %v returned: %+v", failureTTL, *f)
	}
	if f, ok := l.take(young); !ok || f.Message != "young" {
		t.Errorf("record younger than %v: %+v, %v; want it", failureTTL, f, ok)
	}
	if n := l.len(); n != 0 {
		t.Errorf("%d records left; want 0", n)
	}
}

func TestRelayFailureBound(t *testing.T) {
	const bound, sent = 3, 5
	tg := newTarget(t, targetOpts{handler: answer(500, nil, "overloaded", false)})
	r := newTestRelay(t, tg, Config{})
	r.failures.max = bound
	c := defaultLikeClient(t)
	var errs []error
	for range sent {
		status, body, _ := postFull(t, c, r, "{}")
		errs = append(errs, upstreamError(status, body))
	}
	if n := r.failures.len(); n != bound {
		t.Errorf("%d records; want %d", n, bound)
	}
	for i, err := range errs {
		if _, ok := r.Failure(err); ok != (i >= sent-bound) {
			t.Errorf("lookup of failure %d: ok %v; want %v", i, ok, i >= sent-bound)
		}
	}
}

// stallableConn is a connection to the target whose writes can be made to
// fail without writing anything, as on a connection the server has dropped.
type stallableConn struct {
	net.Conn
	dead *sync.Map // set of dead conns
}

// Write fails once the connection is marked dead.
func (c *stallableConn) Write(p []byte) (int, error) {
	if _, dead := c.dead.Load(c); dead {
		return 0, syscall.EPIPE
	}
	return c.Conn.Write(p)
}

func TestRelayReplaysBodyOnDeadConn(t *testing.T) {
	tg := newTarget(t, targetOpts{})
	var (
		dead  sync.Map
		mu    sync.Mutex
		conns []*stallableConn
	)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	dialer := &net.Dialer{}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		sc := &stallableConn{Conn: conn, dead: &dead}
		mu.Lock()
		conns = append(conns, sc)
		mu.Unlock()
		return sc, nil
	}
	r := newTestRelay(t, tg, Config{MaxConns: 1, Transport: tr})
	c := defaultLikeClient(t)
	if status, body, _ := postFull(t, c, r, `{"n":1}`); status != 200 {
		t.Fatalf("first request: status %d, body %q", status, body)
	}
	mu.Lock()
	dead.Store(conns[0], true) // the idle connection fails its next write
	mu.Unlock()
	if status, body, _ := postFull(t, c, r, `{"n":2}`); status != 200 || tg.lastSeen().Body != `{"n":2}` {
		t.Errorf("request on the dead connection: status %d, body %q, target saw %q; want it resent on a new connection",
			status, body, tg.lastSeen().Body)
	}
	if s := r.Stats(); s.Dials != 2 || s.Errors != 0 {
		t.Errorf("Stats = %+v; want Dials=2 Errors=0", s)
	}
}
