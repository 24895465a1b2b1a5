package tursotest

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// Profile selects the real server whose HTTP answers a Server reproduces:
// statuses, content types and bodies of failed requests, and the few
// protocol rules on which the servers differ. Statement execution (SQLite)
// and the WebSocket protocols are the same in every profile.
type Profile int

// The profiles. Each answer is taken from the server's source or
// specification; the comments in profile.go, batons.go and frontend.go cite
// the file and line of each.
const (
	// ProfileSqld answers as sqld (libsql-server) does, as of
	// tursodatabase/libsql commit f8fb14f3 (libsql-server v0.24.x): a
	// request on an expired stream gets HTTP 400 application/json
	// {"message": ..., "code": "STREAM_EXPIRED"}; protocol errors (invalid,
	// reused or closed batons, undecodable bodies) get HTTP 400 text/plain
	// with the bare message; auth failures get HTTP 401 application/json
	// {"error": "Unauthorized: `...`"}. It is the default.
	ProfileSqld Profile = iota
	// ProfileSqldLegacy answers as libsql-server before v0.22.6 (before
	// commit 490884be, 2023-11-22) did: like ProfileSqld, except that a
	// request on an expired stream gets HTTP 500 and auth failures use that
	// version's messages.
	ProfileSqldLegacy
	// ProfileTursoCloud answers as the SQL over HTTP protocol, version 3,
	// specifies (tursodatabase/turso serverless/PROTOCOL.md at commit
	// 9e8a19ae): every non-200 body is application/json {"error": ...}; a
	// malformed baton or body or another protocol violation gets 400; a
	// baton naming an unknown, expired, busy or superseded stream gets 404
	// (sections 4.4, 4.5, 9.3); a close that is not the last request fails
	// the pipeline (6.8); store_sql replaces a stored text (6.5); named
	// arguments match parameters with the prefix stripped (8.1). The
	// specification leaves the messages open; tursotest's are its own.
	// WithStatelessClose and WithStreamTTLField add the optional behaviours.
	ProfileTursoCloud
)

// String returns the profile's name as the tursodev -profile flag spells it.
func (p Profile) String() string {
	switch p {
	case ProfileSqld:
		return "sqld"
	case ProfileSqldLegacy:
		return "sqld-legacy"
	case ProfileTursoCloud:
		return "turso-cloud"
	}
	return "Profile(" + strconv.Itoa(int(p)) + ")"
}

// ParseProfile returns the profile named s ("sqld", "sqld-legacy" or
// "turso-cloud").
func ParseProfile(s string) (Profile, error) {
	for _, p := range []Profile{ProfileSqld, ProfileSqldLegacy, ProfileTursoCloud} {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("tursotest: unknown profile %q; profiles are sqld, sqld-legacy and turso-cloud", s)
}

// sqldLike reports whether p answers as some version of sqld.
func (p Profile) sqldLike() bool { return p != ProfileTursoCloud }

// batonKind says why a baton was refused.
type batonKind int

const (
	batonMalformed  batonKind = iota // not base64, or not 48 bytes
	batonForged                      // MAC does not verify (or the server restarted)
	batonUnknown                     // no such stream (closed, dropped or forgotten)
	batonBusy                        // stream busy with another request
	batonSuperseded                  // not the baton of the stream's latest response
	batonExpired                     // stream expired; its tombstone remains
)

// batonError is the refusal of a request's baton.
type batonError struct{ kind batonKind }

// Error implements error with sqld's message (libsql-server/src/hrana/mod.rs:63-66,
// src/hrana/http/stream.rs:90).
func (e *batonError) Error() string {
	switch e.kind {
	case batonBusy, batonSuperseded:
		return "Received a baton that has already been used"
	case batonExpired:
		return expiredMessage
	}
	return "Received an invalid baton"
}

// expiredMessage and expiredCode are sqld's StreamError::StreamExpired
// (libsql-server/src/hrana/http/stream.rs:90-91, 419-424).
const (
	expiredMessage = "The stream has expired due to inactivity"
	expiredCode    = "STREAM_EXPIRED"
)

// cloudBatonMessage is the {"error"} text of a refused baton in
// ProfileTursoCloud. PROTOCOL.md fixes only the status; the example body in
// section 9.3 reads "stream not found: ...".
func cloudBatonMessage(k batonKind) string {
	switch k {
	case batonMalformed:
		return "malformed baton: it is not a baton this server issued"
	case batonForged, batonUnknown:
		return "stream not found: no stream is open for this baton"
	case batonBusy:
		return "stream not found: the stream is busy with another request"
	case batonSuperseded:
		return "stream not found: the baton is not from the stream's latest response"
	}
	return "stream not found: the stream expired after being idle"
}

// internalError is a failure that sqld answers with HTTP 500 {"error":
// "Internal Error: `...`"} (libsql-server/src/error.rs:61-62, 165-167):
// an error that is neither a stream nor a protocol error reaching axum.
type internalError struct{ msg string }

// Error implements error.
func (e *internalError) Error() string { return e.msg }

// writeFailure ends an HTTP Hrana request that failed as a whole (not one
// statement of it) with the answer the profile gives for err.
func (s *Server) writeFailure(w http.ResponseWriter, err error) {
	cloud := !s.opts.profile.sqldLike()
	var be *batonError
	var ie *internalError
	switch {
	case errors.As(err, &be):
		s.writeBatonFailure(w, be.kind)
	case errors.As(err, &ie) && cloud:
		writeErrorJSON(w, http.StatusInternalServerError, ie.msg)
	case errors.As(err, &ie):
		// libsql-server/src/error.rs:34-35 and 61-62 ("Internal Error: `{0}`").
		writeErrorJSON(w, http.StatusInternalServerError, "Internal Error: `"+ie.msg+"`")
	case cloud:
		// PROTOCOL.md 5.3 and 9.3: protocol violations are 400 with a
		// JSON body holding "error".
		writeErrorJSON(w, http.StatusBadRequest, err.Error())
	default:
		// libsql-server/src/hrana/http/mod.rs:243-245 and 280-286: a
		// ProtocolError is 400, text/plain, the message without newline.
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(err.Error()))
	}
}

// writeBatonFailure answers a refused baton.
func (s *Server) writeBatonFailure(w http.ResponseWriter, k batonKind) {
	p := s.opts.profile
	switch {
	case p == ProfileTursoCloud && k == batonMalformed:
		// PROTOCOL.md 9.3: "400 Bad Request: ... malformed baton".
		writeErrorJSON(w, http.StatusBadRequest, cloudBatonMessage(k))
	case p == ProfileTursoCloud:
		// PROTOCOL.md 4.4 (a busy stream "need not be distinguishable from
		// an expired stream"), 4.5 (expired or unknown stream, or a baton
		// not from the most recent response) and 9.3: 404.
		writeErrorJSON(w, http.StatusNotFound, cloudBatonMessage(k))
	case k == batonExpired:
		// libsql-server/src/hrana/http/mod.rs:247-259: the StreamError is
		// encoded as a Hrana Error {"message", "code"} with
		// application/json (mod.rs:261-278), with status 400 since commit
		// 490884be (v0.22.6) and 500 before it.
		status := http.StatusBadRequest
		if p == ProfileSqldLegacy {
			status = http.StatusInternalServerError
		}
		writeJSON(w, status, []byte(`{"message":"`+expiredMessage+`","code":"`+expiredCode+`"}`))
	default:
		// libsql-server/src/hrana/http/stream.rs:120-145 and 304-323:
		// ProtocolError::BatonInvalid or BatonReused, answered as text.
		s.writeFailure(w, &protoError{msg: (&batonError{kind: k}).Error()})
	}
}

// writeErrorJSON writes {"error": msg} as application/json, escaping as
// serde_json does (no HTML escaping).
func writeErrorJSON(w http.ResponseWriter, status int, msg string) {
	b := appendSerdeString([]byte(`{"error":`), msg)
	writeJSON(w, status, append(b, '}'))
}

// appendSerdeString appends s as a JSON string the way serde_json writes it
// (serde_json 1.0.145 src/ser.rs:1766-1796 and 2135-2150): \b \t \n \f \r
// for those controls, \u00xx (lower-case hex) for the other bytes below
// 0x20, and nothing else escaped but '"' and '\\'. Invalid UTF-8, which a
// Rust string cannot hold, becomes U+FFFD.
func appendSerdeString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\b':
			b = append(b, '\\', 'b')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\f':
			b = append(b, '\\', 'f')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}
