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
	fe.route(w, r)
}

// route dispatches a non-WebSocket request. As in sqld, only the Hrana
// endpoints check the auth token (their handlers take a RequestContext,
// libsql-server/src/http/user/mod.rs:325-347 and extract.rs:11-41); the
// index texts, unknown paths and wrong methods do not.
func (fe *frontend) route(w http.ResponseWriter, r *http.Request) {
	s := fe.srv
	type endpoint struct {
		method string
		run    func(http.ResponseWriter, *http.Request)
	}
	text := func(body string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(body))
		}
	}
	// sqld's index texts: libsql-server/src/hrana/http/mod.rs:79-84 (GET
	// /v2 and /v3) and src/http/user/hrana_over_http_1.rs:18-24 (GET /v1).
	v2 := text("Hello, this is HTTP API v2 (Hrana over HTTP)")
	routes := map[string]endpoint{
		"/v1":          {http.MethodGet, text("This is sqld HTTP API v1")},
		"/v2":          {http.MethodGet, v2},
		"/v3":          {http.MethodGet, v2},
		"/v2/pipeline": {http.MethodPost, func(w http.ResponseWriter, r *http.Request) { s.servePipeline(w, r, hrana2) }},
		"/v3/pipeline": {http.MethodPost, func(w http.ResponseWriter, r *http.Request) { s.servePipeline(w, r, hrana3) }},
		"/v3/cursor":   {http.MethodPost, s.serveCursor},
		"/v1/execute":  {http.MethodPost, s.serveV1},
		"/v1/batch":    {http.MethodPost, s.serveV1},
	}
	ep, ok := routes[r.URL.Path]
	var authMsg string
	if ok && r.Method == ep.method && ep.method == http.MethodPost {
		authMsg = s.authFailure(r)
	}
	switch {
	case !ok && s.opts.profile.sqldLike():
		// handle_fallback: a bare 404 (src/http/user/mod.rs:202-204; GET /
		// without an upgrade too, mod.rs:175-177).
		w.WriteHeader(http.StatusNotFound)
	case !ok:
		// PROTOCOL.md 2 and 9.3: 404 with {"error": ...}.
		writeErrorJSON(w, http.StatusNotFound, "tursotest: no endpoint "+r.URL.Path+"; the endpoints are /v2/pipeline, /v3/pipeline and /v3/cursor")
	case r.Method != ep.method:
		w.Header().Set("Allow", ep.method)
		writeError(w, http.StatusMethodNotAllowed, "tursotest: "+r.URL.Path+" accepts "+ep.method+", not "+r.Method)
	case authMsg != "":
		// libsql-server/src/error.rs:58-59, 142-148 and 164: an AuthError
		// is 401 with {"error": "Unauthorized: `<AuthError>`"} (axum::Json,
		// application/json). PROTOCOL.md sections 3 and 9.3: 401.
		writeErrorJSON(w, http.StatusUnauthorized, authMsg)
	default:
		ep.run(w, r)
	}
}

// authorizedHeader reports whether r carries the auth token (or none is
// required).
func (s *Server) authorizedHeader(r *http.Request) bool {
	return s.authFailure(r) == ""
}

// authFailure returns the error message with which the server refuses r's
// credentials, or "" when it accepts them (always without WithAuthToken).
// The token is compared in constant time and never echoed. sqld's checks
// and messages (libsql-server/src/auth/errors.rs:5-32) are those of its JWT
// strategy (src/auth/user_auth_strategies/jwt.rs:27-43, on the context that
// src/http/user/mod.rs:492-511 builds from the Authorization header, or
// x-authorization without it); a wrong token is an invalid JWT.
func (s *Server) authFailure(r *http.Request) string {
	if s.opts.authToken == "" {
		return ""
	}
	header := r.Header.Get("Authorization")
	if header == "" && s.opts.profile == ProfileSqld {
		header = r.Header.Get("X-Authorization")
	}
	if s.opts.profile == ProfileTursoCloud {
		return cloudAuthFailure(s, header)
	}
	legacy := s.opts.profile == ProfileSqldLegacy
	scheme, token, hasSpace := strings.Cut(header, " ")
	var why string
	switch {
	case header == "" || (!legacy && !visibleASCII(header)):
		why = "Expected authorization header but none given"
		if legacy {
			// libsql-server v0.22.5 src/auth.rs:82-84 (HttpAuthHeaderMissing).
			why = "The `Authorization` HTTP header is required but was not specified"
		}
	case legacy && (!visibleASCII(header) || !hasSpace):
		// v0.22.5 src/auth.rs:250-268 (HttpAuthHeaderInvalid).
		why = "The `Authorization` HTTP header has invalid value"
	case !hasSpace:
		why = "Auth string does not conform to '<scheme> <token>' form"
	case legacy && strings.EqualFold(scheme, "basic"):
		// v0.22.5 src/auth.rs:87-90: no Basic credentials are configured.
		why = "The `Basic` HTTP authentication scheme is not allowed"
	case !strings.EqualFold(scheme, "bearer"):
		why = "The authentication scheme in the `Authorization` HTTP header is not supported"
	case !s.tokenMatches(token):
		why = "The JWT is invalid"
	default:
		return ""
	}
	return "Unauthorized: `" + why + "`"
}

// cloudAuthFailure is authFailure for ProfileTursoCloud, whose
// specification fixes the status (401) but not the message.
func cloudAuthFailure(s *Server, header string) string {
	scheme, token, _ := strings.Cut(header, " ")
	switch {
	case header == "":
		return "Unauthorized: the Authorization header is missing; send \"Bearer <token>\""
	case !strings.EqualFold(scheme, "bearer"):
		return "Unauthorized: the Authorization header is not \"Bearer <token>\""
	case !s.tokenMatches(token):
		return "Unauthorized: the token is invalid"
	}
	return ""
}

// visibleASCII reports whether a header value converts to a Rust &str
// through http::HeaderValue::to_str: visible ASCII, spaces and tabs only.
func visibleASCII(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c > 0x7e {
			return false
		}
	}
	return true
}

// tokenMatches compares a presented token with the configured one in
// constant time.
func (s *Server) tokenMatches(token string) bool {
	return subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.authToken)) == 1
}

// writeError writes a {"error": "..."} JSON body, the shape of sqld's
// ResponseError (libsql-server/src/error.rs:142-148), for tursotest's own
// failures (injected, oversized, stopping, wrong method).
func writeError(w http.ResponseWriter, status int, msg string) {
	writeErrorJSON(w, status, msg)
}

// writeJSON writes a JSON body with the given status.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
