package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptrace"
	"net/http/httputil"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// replayLimit is the largest request body, in bytes, that the relay reads
// before forwarding so that http.Transport can resend it when a connection
// failed before the request was written or an HTTP/2 server refused the
// stream. Larger bodies, and bodies of unknown length, are streamed.
const replayLimit = 1 << 20

// newProxy returns the reverse proxy that forwards to r.target.
func (r *Relay) newProxy() *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite:        r.rewrite,
		Transport:      r.transport,
		ModifyResponse: r.modifyResponse,
		ErrorHandler:   r.proxyError,
		ErrorLog:       log.New(io.Discard, "", 0),
		BufferPool:     copyBuffers,
	}
}

// copyBufferSize is the size of the buffers that copy response bodies.
const copyBufferSize = 32 << 10

// copyBuffers recycles response copy buffers across requests and relays;
// without it ReverseProxy allocates 32 KiB per request.
var copyBuffers httputil.BufferPool = &bufferPool{pool: sync.Pool{New: func() any {
	b := make([]byte, copyBufferSize)
	return &b
}}}

// bufferPool implements httputil.BufferPool with a sync.Pool. It is safe
// for concurrent use.
type bufferPool struct{ pool sync.Pool }

// Get returns a buffer of copyBufferSize bytes.
func (p *bufferPool) Get() []byte { return *p.pool.Get().(*[]byte) }

// Put returns b to the pool; buffers of another size are dropped.
func (p *bufferPool) Put(b []byte) {
	if len(b) == copyBufferSize {
		p.pool.Put(&b)
	}
}

// ServeHTTP checks the secret and forwards the request. Before Close it is
// safe for concurrent use; afterwards it answers 503.
func (r *Relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.stats.requests.Add(1)
	if !secretMatches(req.Header, r.secret) {
		r.stats.rejected.Add(1)
		writeError(w, http.StatusForbidden, "turso-pooled relay: missing or wrong "+SecretHeaderName+" header")
		return
	}
	if !r.enter() {
		r.fail(w, &failedAnswer{status: http.StatusServiceUnavailable, text: "turso-pooled relay: relay is closed",
			f: &Failure{Err: ErrClosed}})
		return
	}
	defer r.leave()
	label := streamLabel(req)
	if err := newExchange(req, &r.stats.bytesIn); err != nil {
		r.stats.errors.Add(1)
		r.fail(w, &failedAnswer{status: http.StatusBadRequest, text: "turso-pooled relay: reading request body: " + err.Error(),
			f: &Failure{Err: fmt.Errorf("turso-pooled: relay: reading request body: %w", err)}})
		return
	}
	if e, ok := req.Body.(*exchange); ok {
		e.label, e.received = label, time.Now()
	}
	r.proxy.ServeHTTP(w, req)
}

// rewrite routes the outgoing request to the target, rewrites its Host
// header, removes the secret and the stream label and attaches the
// request's exchange.
// ReverseProxy has already removed hop-by-hop and X-Forwarded-* headers.
func (r *Relay) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(r.target)
	pr.Out.Header.Del(SecretHeaderName)
	pr.Out.Header.Del(StreamHeaderName)
	if e, ok := pr.In.Body.(*exchange); ok {
		e.attach(pr.Out)
	}
}

// modifyResponse counts the response body bytes as they are streamed,
// scans a labelled pipeline answer for its stream (see scanAnswer), and
// turns an answer with a status other than 200 into a failedAnswer for
// proxyError.
func (r *Relay) modifyResponse(resp *http.Response) error {
	var body *countingBody
	e := exchangeOf(resp.Request)
	if e != nil {
		body = &e.respBody
	} else {
		body = new(countingBody)
	}
	*body = countingBody{ReadCloser: resp.Body, n: &r.stats.bytesOut}
	resp.Body = body
	if resp.StatusCode == http.StatusOK {
		if e != nil {
			r.scanAnswer(e, resp)
		}
		return nil
	}
	r.stats.serverErrors.Add(1)
	return r.serverFailure(resp)
}

// serverFailure reads the first maxFailureBody bytes of a non-200 answer and
// returns the answer that passes on its status, code and message. A failure
// to read the body is a transport failure after the request was sent.
func (r *Relay) serverFailure(resp *http.Response) *failedAnswer {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFailureBody))
	if err != nil {
		r.stats.errors.Add(1)
		return &failedAnswer{
			status: http.StatusBadGateway,
			text:   fmt.Sprintf("turso-pooled relay: reading the body of the server's %d answer: %v", resp.StatusCode, err),
			f:      &Failure{Err: fmt.Errorf("turso-pooled: relay: reading the body of the server's %d answer: %w", resp.StatusCode, err), Written: true},
		}
	}
	f := describeAnswer(resp.StatusCode, resp.Header, body)
	return &failedAnswer{status: resp.StatusCode, text: f.summary(), f: f}
}

// proxyError answers a server's non-200 answer with its status, and a failed
// round trip with 502, each with a recorded failure.
func (r *Relay) proxyError(w http.ResponseWriter, req *http.Request, err error) {
	if a, ok := err.(*failedAnswer); ok {
		r.fail(w, a)
		return
	}
	r.stats.errors.Add(1)
	e := exchangeOf(req)
	r.fail(w, &failedAnswer{status: http.StatusBadGateway, text: "turso-pooled relay: " + err.Error(),
		f: &Failure{Err: err, Written: e == nil || e.written()}})
}

// fail records a.f and answers a.status with a.text followed by the
// record's marker.
func (r *Relay) fail(w http.ResponseWriter, a *failedAnswer) {
	id := r.failures.add(a.f)
	writeError(w, a.status, a.text+" "+mark(r.markPrefix, id))
}

// writeError writes status and {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// exchangeKey is the context key under which an exchange finds itself.
type exchangeKey struct{}

// exchange is the relay's state for one forwarded request, held in one
// allocation: the request body, the trace of the attempts to send it and
// the counted response body. ServeHTTP installs it as the incoming request's
// body, where rewrite finds it; rewrite makes it the outgoing request's
// context, where the proxy's hooks find it. As a context, Value(exchangeKey{})
// returns it and every other key, Deadline, Done and Err come from the
// context of the outgoing request that ReverseProxy made.
type exchange struct {
	context.Context
	trace    httptrace.ClientTrace
	gotConns atomic.Int32 // attempts that got a connection to the target

	// The request body: held in memory (mem over buf) when small and of
	// known length, so that it can be resent; else stream, counted into n.
	mem    bytes.Reader
	buf    []byte
	stream io.ReadCloser
	n      *atomic.Int64

	respBody countingBody // the response body

	label    string    // the request's stream label (StreamHeaderName), or ""
	received time.Time // when ServeHTTP received the request
	scan     bodyScan  // the scan of a labelled 200 answer
}

// newExchange installs a new exchange as req.Body. It reads a body of at
// most replayLimit bytes and known length into memory first. Bytes read
// from the client are added to n.
func newExchange(req *http.Request, n *atomic.Int64) error {
	e := &exchange{n: n}
	e.trace.GotConn = func(httptrace.GotConnInfo) { e.gotConns.Add(1) }
	switch {
	case req.Body == nil || req.Body == http.NoBody:
	case req.ContentLength <= 0 || req.ContentLength > replayLimit:
		e.stream = req.Body
	default:
		e.buf = make([]byte, req.ContentLength)
		read, err := io.ReadFull(req.Body, e.buf)
		n.Add(int64(read))
		if err != nil {
			return err
		}
		e.mem.Reset(e.buf)
	}
	req.Body = e
	return nil
}

// attach makes e the context of out, the outgoing request, with e.trace as
// its client trace, and lets a body held in memory be resent.
func (e *exchange) attach(out *http.Request) {
	e.Context = out.Context()
	// out belongs to ReverseProxy, so it may be changed in place; this
	// way WithContext's copy does not escape to the heap.
	*out = *out.WithContext(httptrace.WithClientTrace(e, &e.trace))
	if e.buf != nil && out.Body != nil {
		out.GetBody = e.getBody
	}
}

// exchangeOf returns the exchange of an outgoing request, or nil.
func exchangeOf(req *http.Request) *exchange {
	if req == nil {
		return nil
	}
	e, _ := req.Context().Value(exchangeKey{}).(*exchange)
	return e
}

// Value returns e for exchangeKey{} and the parent's value otherwise.
func (e *exchange) Value(key any) any {
	if key == (exchangeKey{}) {
		return e
	}
	return e.Context.Value(key)
}

// written reports whether any part of the request may have reached the
// server: whether some attempt got a connection. The transport's write hooks
// cannot be more precise: HTTP/1 signals WroteHeaders once the headers are
// buffered, before they are flushed, and a cancelled HTTP/2 round trip
// returns without waiting for the stream's writer. With no connection
// (dial, proxy or TLS failure, or cancelled while queued for one of the
// MaxConns connections) nothing was sent. GotConn is called on the round
// trip's goroutine, so after it returned the count is final.
func (e *exchange) written() bool { return e.gotConns.Load() > 0 }

// Read reads the request body.
func (e *exchange) Read(p []byte) (int, error) {
	if e.stream == nil {
		return e.mem.Read(p)
	}
	n, err := e.stream.Read(p)
	e.n.Add(int64(n))
	return n, err
}

// Close closes a streamed request body; a body in memory needs nothing.
func (e *exchange) Close() error {
	if e.stream == nil {
		return nil
	}
	return e.stream.Close()
}

// getBody returns a fresh reader over a body held in memory, for
// http.Request.GetBody.
func (e *exchange) getBody() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(e.buf)), nil
}

// countingBody adds the bytes read through it to n and, when scan is set,
// scans them; scanned is called once the scan read a whole JSON object,
// before the bytes that end it are returned (so before the client can have
// them).
type countingBody struct {
	io.ReadCloser
	n       *atomic.Int64
	scan    *bodyScan
	scanned func(*bodyScan)
}

// Read reads from the wrapped body, counts the bytes and scans them.
func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	if s := b.scan; s != nil && n > 0 {
		s.feed(p[:n])
		switch {
		case s.done:
			b.scan = nil
			b.scanned(s)
		case s.bad:
			b.scan = nil
		}
	}
	return n, err
}
