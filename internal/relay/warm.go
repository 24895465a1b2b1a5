package relay

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// warmTimeout bounds one round of keep-alive requests.
const warmTimeout = 30 * time.Second

// warmBodyLimit is how much of a keep-alive answer's body is read before
// the connection is given back (a longer body closes the connection).
const warmBodyLimit = 64 << 10

// startWarm starts the keep-alive loop of Config.MinConns, if any. Close
// stops it (stopWarm).
func (r *Relay) startWarm(n int, period time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	r.warmCancel = cancel
	r.warmDone = make(chan struct{})
	r.warmed = make(chan struct{})
	if n == 0 {
		close(r.warmDone)
		close(r.warmed)
		return
	}
	go r.keepWarm(ctx, n, period)
}

// stopWarm stops the keep-alive loop and waits for it to return.
func (r *Relay) stopWarm() {
	r.warmCancel()
	<-r.warmDone
}

// WaitWarm waits until the first round of keep-alive requests of
// Config.MinConns ended (at once without MinConns), or ctx ends. A client
// that sends its first request after it finds the connections open,
// instead of dialing one more of its own.
func (r *Relay) WaitWarm(ctx context.Context) error {
	select {
	case <-r.warmed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// keepWarm warms n connections now and again every period until ctx ends.
func (r *Relay) keepWarm(ctx context.Context, n int, period time.Duration) {
	defer close(r.warmDone)
	warmed := sync.OnceFunc(func() { close(r.warmed) })
	defer warmed()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		wctx, cancel := context.WithTimeout(ctx, warmTimeout)
		if err := r.warm(wctx, n); err == nil {
			r.stats.warmups.Add(1)
		}
		cancel()
		warmed()
		t.Reset(period)
	}
}

// warm uses n connections to the target at once (one over HTTP/2), dialing
// those that are not open. A first request alone learns the protocol: over
// HTTP/2 it is enough, and it keeps the others from each dialing a
// connection of their own while none is known. Over HTTP/1.1, n requests
// then each hold their connection until all have one; n is at most
// MaxConns, so none waits for a connection another one holds.
func (r *Relay) warm(ctx context.Context, n int) error {
	resp, err := r.warmRequest(ctx)
	if err != nil {
		return err
	}
	h2 := resp.ProtoMajor == 2
	drainClose(resp.Body)
	if h2 || n == 1 {
		return nil
	}
	var (
		arrived, done sync.WaitGroup
		mu            sync.Mutex
		errs          []error
	)
	release := make(chan struct{})
	arrived.Add(n)
	for range n {
		done.Go(func() {
			resp, err := r.warmRequest(ctx)
			arrived.Done()
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			select {
			case <-release:
			case <-ctx.Done():
			}
			drainClose(resp.Body)
		})
	}
	arrived.Wait()
	close(release)
	done.Wait()
	return errors.Join(errs...)
}

// warmRequest sends one keep-alive request (GET /v2 under the target's
// path) and returns the answer, whatever its status: any answer proves the
// connection.
func (r *Relay) warmRequest(ctx context.Context) (*http.Response, error) {
	u := *r.target
	u.Path = "/v2"
	if p := r.target.Path; p != "" {
		u.Path = mustJoin(p, "v2")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "turso-pooled-relay")
	return r.transport.RoundTrip(req)
}

// mustJoin joins a URL path and an element.
func mustJoin(base, elem string) string {
	p, err := url.JoinPath(base, elem)
	if err != nil {
		return "/" + elem
	}
	return p
}

// drainClose reads up to warmBodyLimit bytes of body, so that the
// connection can be reused, and closes it.
func drainClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, warmBodyLimit))
	_ = body.Close()
}
