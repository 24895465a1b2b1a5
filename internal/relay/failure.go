package relay

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Bounds of the failure records and of what the relay reads from a failed
// answer.
const (
	// maxFailures is the most failure records a relay keeps; recording one
	// more drops the oldest.
	maxFailures = 4096
	// failureTTL is how long a failure record is kept for [Relay.Failure].
	failureTTL = time.Minute
	// maxFailureBody is the most bytes read from the body of a server's
	// non-200 answer (and, for a gzip body, the most bytes decompressed).
	maxFailureBody = 64 << 10
	// maxMessageLen bounds Failure.Message, in bytes.
	maxMessageLen = 1 << 10
	// maxTokenLen bounds Failure.Code and Failure.ContentType, in bytes.
	maxTokenLen = 128
	// tagPrefix starts the marker that ends the error text of every answer
	// the relay records: "[turso-pooled relay <tag>#<id>]".
	tagPrefix = "[turso-pooled relay "
)

// ErrClosed is the Failure.Err of a request refused because [Relay.Close]
// had begun.
var ErrClosed = errors.New("turso-pooled: relay: closed")

// Failure is what the relay knows about a request it did not answer with the
// server's 200.
type Failure struct {
	Status      int    // the server's HTTP status; 0 when no answer came from the server
	ContentType string // the server's Content-Type (media type only), "" when none
	Code        string // the Hrana error code of a JSON body ({"code": "STREAM_EXPIRED"}), "" when none
	Message     string // the server's message: the JSON body's "message" or "error" field, or else the body's text (trimmed, at most 1 KiB, valid UTF-8)
	Err         error  // when Status == 0: the transport error with its chain intact (errors.As finds *net.OpError, etc.)
	Written     bool   // when Status == 0: whether any part of the request may have reached the server before the failure (conservative: true when unsure); false means the server cannot have received it (dial/TLS failure, relay closing, body read failure). Always true when Status != 0.
}

// Failure returns the failure the relay recorded for err, an error returned
// by the upstream driver for a request through this relay, and forgets it.
// ok is false when err carries no tag of this relay.
//
// The relay ends the error text of every answer it records with
// "[turso-pooled relay <tag>#<id>]", where tag is 16 hexadecimal characters
// drawn at random for this relay (no SQL text or server message can know
// it beforehand) and id is a decimal record number; Failure looks for the last such
// marker of this relay in err.Error(). Records are kept for about a minute,
// and at most 4096 of them: an error looked up later, a second time, or
// through another relay gives ok false. It is safe for concurrent use.
func (r *Relay) Failure(err error) (f *Failure, ok bool) {
	if err == nil {
		return nil, false
	}
	id, ok := parseMark(err.Error(), r.markPrefix)
	if !ok {
		return nil, false
	}
	return r.failures.take(id)
}

// newTag returns 16 random hexadecimal characters that identify a relay's
// failure records. It is independent of the secret, so it reveals nothing
// about it, and two relays never share it even when given the same secret.
func newTag() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	return hex.EncodeToString(b[:])
}

// mark returns the marker of record id, for a markPrefix of
// tagPrefix + tag + "#".
func mark(markPrefix string, id uint64) string {
	return markPrefix + strconv.FormatUint(id, 10) + "]"
}

// parseMark returns the id of the last marker with markPrefix in s. The id
// must be canonical decimal (no sign, no leading zero) and end with "]".
func parseMark(s, markPrefix string) (uint64, bool) {
	i := strings.LastIndex(s, markPrefix)
	if i < 0 {
		return 0, false
	}
	digits, _, found := strings.Cut(s[i+len(markPrefix):], "]")
	if !found || digits == "" || len(digits) > 20 || digits[0] == '0' {
		return 0, false
	}
	for j := 0; j < len(digits); j++ {
		if digits[j] < '0' || digits[j] > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseUint(digits, 10, 64)
	return id, err == nil
}

// failureLog holds a relay's failure records under increasing ids. Records
// are dropped when looked up, when older than ttl, or when more than max
// records are newer. It is safe for concurrent use.
type failureLog struct {
	mu       sync.Mutex
	lo, next uint64 // records live under ids in [lo, next); ids start at 1
	recs     map[uint64]failureRecord
	max      int              // maxFailures; smaller in tests
	ttl      time.Duration    // failureTTL
	now      func() time.Time // time.Now; a fake clock in tests
}

// failureRecord is one recorded failure and when it was recorded.
type failureRecord struct {
	f  *Failure
	at time.Time
}

// newFailureLog returns an empty log with the default bounds.
func newFailureLog() *failureLog {
	return &failureLog{lo: 1, next: 1, recs: make(map[uint64]failureRecord), max: maxFailures, ttl: failureTTL, now: time.Now}
}

// add records f and returns its id.
func (l *failureLog) add(f *Failure) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	id := l.next
	l.next++
	l.recs[id] = failureRecord{f: f, at: now}
	l.pruneLocked(now)
	return id
}

// take removes and returns the record of id.
func (l *failureLog) take(id uint64) (*Failure, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pruneLocked(l.now())
	rec, ok := l.recs[id]
	if !ok {
		return nil, false
	}
	delete(l.recs, id)
	return rec.f, true
}

// len returns the number of records kept.
func (l *failureLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recs)
}

// pruneLocked drops the records beyond max and the expired ones. Ids grow
// with time, so the oldest records are at lo; ids already taken are
// skipped. WARNING: l.mu must be held.
func (l *failureLog) pruneLocked(now time.Time) {
	for ; l.lo < l.next; l.lo++ {
		if l.next-l.lo <= uint64(l.max) {
			rec, ok := l.recs[l.lo]
			if ok && now.Sub(rec.at) < l.ttl {
				return
			}
		}
		delete(l.recs, l.lo)
	}
}

// failedAnswer is an answer of the relay that it records as a Failure: the
// status for the client, the human-readable text of the error and the
// record. As an error it carries a server's non-200 answer from
// ModifyResponse to ErrorHandler.
type failedAnswer struct {
	status int
	text   string
	f      *Failure
}

// Error returns the human-readable text.
func (a *failedAnswer) Error() string { return a.text }

// describeAnswer returns the Failure of a server's answer with a status
// other than 200, its header and the first bytes of its body.
func describeAnswer(status int, h http.Header, body []byte) *Failure {
	f := &Failure{Status: status, ContentType: mediaType(h.Get("Content-Type")), Written: true}
	if strings.EqualFold(strings.TrimSpace(h.Get("Content-Encoding")), "gzip") {
		body = gunzip(body)
	}
	if isJSON(f.ContentType, body) {
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) == nil {
			f.Code = clean(jsonString(obj["code"]), maxTokenLen)
			f.Message = clean(jsonString(obj["message"]), maxMessageLen)
			if f.Message == "" {
				f.Message = clean(jsonString(obj["error"]), maxMessageLen)
			}
			if f.Message != "" || f.Code != "" {
				return f
			}
		}
	}
	f.Message = clean(string(body), maxMessageLen)
	return f
}

// summary returns the human-readable text of a server's answer, such as
// "STREAM_EXPIRED: The stream has expired due to inactivity", or the status
// text when the answer carried neither code nor message.
func (f *Failure) summary() string {
	switch {
	case f.Code != "" && f.Message != "":
		return f.Code + ": " + f.Message
	case f.Message != "":
		return f.Message
	case f.Code != "":
		return f.Code
	case http.StatusText(f.Status) != "":
		return http.StatusText(f.Status)
	}
	return "HTTP status " + strconv.Itoa(f.Status)
}

// mediaType returns the lower-case media type of a Content-Type value.
func mediaType(v string) string {
	if v == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(v)
	if err != nil {
		mt, _, _ = strings.Cut(v, ";")
		mt = strings.ToLower(mt)
	}
	return clean(mt, maxTokenLen)
}

// isJSON reports whether a body of media type mt is to be decoded as JSON:
// mt is application/json or ends with +json, or there is no media type and
// the body starts with "{".
func isJSON(mt string, body []byte) bool {
	if mt == "" {
		return bytes.HasPrefix(bytes.TrimSpace(body), []byte("{"))
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// jsonString returns the string a JSON value holds, or "" for other values.
func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// gunzip returns the decompressed body, at most maxFailureBody bytes, or
// nil when it is not valid gzip.
func gunzip(body []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxFailureBody))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return out // a body cut at maxFailureBody ends early: keep what decoded
}

// clean returns s as valid UTF-8, trimmed of white space and cut to at most
// limit bytes on a rune boundary.
func clean(s string, limit int) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut])
}
