package relay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"sync"
	"sync/atomic"
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
		ModifyResponse: r.countResponse,
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
		writeError(w, http.StatusForbidden, "missing or wrong "+SecretHeaderName+" header")
		return
	}
	if !r.enter() {
		writeError(w, http.StatusServiceUnavailable, "relay is closed")
		return
	}
	defer r.leave()
	if err := r.prepareBody(req); err != nil {
		r.stats.errors.Add(1)
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	r.proxy.ServeHTTP(w, req)
}

// prepareBody replaces req.Body with a replayable copy when it is small and
// of known length, or with a counting reader otherwise.
func (r *Relay) prepareBody(req *http.Request) error {
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	if req.ContentLength <= 0 || req.ContentLength > replayLimit {
		req.Body = &countingBody{ReadCloser: req.Body, n: &r.stats.bytesIn}
		return nil
	}
	buf := make([]byte, req.ContentLength)
	n, err := io.ReadFull(req.Body, buf)
	r.stats.bytesIn.Add(int64(n))
	if err != nil {
		return fmt.Errorf("reading request body: %w", err)
	}
	req.Body = &replayBody{Reader: bytes.NewReader(buf), buf: buf}
	return nil
}

// rewrite routes the outgoing request to the target, rewrites its Host
// header and removes the secret. ReverseProxy has already removed hop-by-hop
// and X-Forwarded-* headers.
func (r *Relay) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(r.target)
	pr.Out.Header.Del(SecretHeaderName)
	if rb, ok := pr.Out.Body.(*replayBody); ok {
		pr.Out.GetBody = rb.getBody
	}
}

// countResponse counts the response body bytes as they are streamed.
func (r *Relay) countResponse(resp *http.Response) error {
	resp.Body = &countingBody{ReadCloser: resp.Body, n: &r.stats.bytesOut}
	return nil
}

// proxyError answers a failed round trip with 502 and a JSON error body.
func (r *Relay) proxyError(w http.ResponseWriter, _ *http.Request, err error) {
	r.stats.errors.Add(1)
	writeError(w, http.StatusBadGateway, err.Error())
}

// writeError writes status and {"error": "turso-pooled relay: msg"}.
func writeError(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{"turso-pooled relay: " + msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// countingBody adds the bytes read through it to n.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

// Read reads from the wrapped body and counts the bytes.
func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// replayBody is a request body held in memory so that it can be resent.
type replayBody struct {
	*bytes.Reader
	buf []byte
}

// Close does nothing; the buffer is garbage collected.
func (*replayBody) Close() error { return nil }

// getBody returns a fresh reader over the same bytes for http.Request.GetBody.
func (b *replayBody) getBody() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(b.buf)), nil
}
