package tursotest

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
	"sync"
)

// frontend is one listening period of a Server: the HTTP server on the
// listener, its handlers and WebSocket sessions. Restart replaces it.
type frontend struct {
	srv       *Server
	hs        *http.Server
	ctx       context.Context // canceled by stop
	cancel    context.CancelFunc
	serveDone chan struct{}

	mu       sync.Mutex // guards stopping, handlers.Add and sessions
	stopping bool
	handlers sync.WaitGroup
	conns    sync.WaitGroup // net/http connection goroutines
	sessions map[*wsSession]struct{}
}

// stop closes the listener and every connection, and waits for the serve
// loop, the handlers and the WebSocket sessions to end.
func (fe *frontend) stop() {
	fe.mu.Lock()
	fe.stopping = true
	fe.mu.Unlock()
	fe.cancel()
	_ = fe.hs.Close()
	fe.srv.conns.closeAll()
	<-fe.serveDone
	fe.handlers.Wait()
	fe.conns.Wait()
}

// connState tracks net/http's connection goroutines, which can outlive
// http.Server.Close (e.g. lingering after an error response).
func (fe *frontend) connState(_ net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		fe.conns.Add(1)
	case http.StateHijacked, http.StateClosed:
		fe.conns.Done()
	}
}

// enter registers a running handler; false when the frontend is stopping.
func (fe *frontend) enter() bool {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	if fe.stopping {
		return false
	}
	fe.handlers.Add(1)
	return true
}

// closeWSStreams closes the streams of every WebSocket session.
func (fe *frontend) closeWSStreams() {
	fe.mu.Lock()
	sessions := make([]*wsSession, 0, len(fe.sessions))
	for ss := range fe.sessions {
		sessions = append(sessions, ss)
	}
	fe.mu.Unlock()
	for _, ss := range sessions {
		ss.closeStreams()
	}
}

// ServeHTTP implements http.Handler: it routes Hrana requests.
func (fe *frontend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !fe.enter() {
		writeError(w, http.StatusServiceUnavailable, "tursotest: server is stopping")
		return
	}
	defer fe.handlers.Done()
	s := fe.srv
	s.stats.httpRequests.Add(1)
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		fe.serveWS(w, r)
		return
	}
	switch r.URL.Path {
	case "/health":
		w.WriteHeader(http.StatusOK)
		return
	case "/version":
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("tursotest (sqld-compatible test server)\n"))
		return
	}
	if !s.authorizedHeader(r) {
		writeError(w, http.StatusUnauthorized, unauthorizedMessage(r))
		return
	}
	fe.route(w, r)
}

// route dispatches an authorized, non-WebSocket request.
func (fe *frontend) route(w http.ResponseWriter, r *http.Request) {
	s := fe.srv
	type endpoint struct {
		method string
		run    func(http.ResponseWriter, *http.Request)
	}
	hello := func(text string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(text))
		}
	}
	routes := map[string]endpoint{
		"/":            {http.MethodGet, hello("Hello, this is tursotest, an sqld-compatible test server\n")},
		"/v1":          {http.MethodGet, hello("Hello, this is HTTP API v1\n")},
		"/v2":          {http.MethodGet, hello("Hello, this is HTTP API v2 (Hrana over HTTP)\n")},
		"/v3":          {http.MethodGet, hello("Hello, this is HTTP API v3 (Hrana over HTTP)\n")},
		"/v2/pipeline": {http.MethodPost, func(w http.ResponseWriter, r *http.Request) { s.servePipeline(w, r, hrana2) }},
		"/v3/pipeline": {http.MethodPost, func(w http.ResponseWriter, r *http.Request) { s.servePipeline(w, r, hrana3) }},
		"/v3/cursor":   {http.MethodPost, s.serveCursor},
		"/v1/execute":  {http.MethodPost, s.serveV1},
		"/v1/batch":    {http.MethodPost, s.serveV1},
	}
	ep, ok := routes[r.URL.Path]
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "tursotest: no endpoint "+r.URL.Path+"; Hrana endpoints are /v2/pipeline, /v3/pipeline, /v3/cursor, /v1/execute, /v1/batch and WebSocket upgrades")
	case r.Method != ep.method:
		w.Header().Set("Allow", ep.method)
		writeError(w, http.StatusMethodNotAllowed, "tursotest: "+r.URL.Path+" accepts "+ep.method+", not "+r.Method)
	default:
		ep.run(w, r)
	}
}

// authorizedHeader reports whether r carries the auth token (or none is
// required). Tokens are compared in constant time.
func (s *Server) authorizedHeader(r *http.Request) bool {
	if s.opts.authToken == "" {
		return true
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && s.tokenMatches(strings.TrimSpace(token))
}

// tokenMatches compares a presented token with the configured one in
// constant time.
func (s *Server) tokenMatches(token string) bool {
	return subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.authToken)) == 1
}

// unauthorizedMessage explains a 401 without echoing any token.
func unauthorizedMessage(r *http.Request) string {
	if r.Header.Get("Authorization") == "" {
		return "Unauthorized: the Authorization header is required (\"Bearer <token>\") but was not specified"
	}
	return "Unauthorized: the Authorization token is invalid; expected \"Bearer <token>\" with the server's token"
}

// writeError writes an sqld-style {"error": "..."} JSON body.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, mustJSON(map[string]string{"error": msg}))
}

// writeJSON writes a JSON body with the given status.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
