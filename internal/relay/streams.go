package relay

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// StreamHeaderName is the request header with which a client labels the
// pipeline requests of one of its connections (the Hrana streams it opens
// one after another), so that [Relay.Stream] can tell it what the server
// said about its stream. The relay removes the header before forwarding. A
// label is 1 to 64 visible ASCII characters; others are ignored.
const StreamHeaderName = "X-Turso-Pooled-Stream"

// maxLabelLen is the longest accepted stream label.
const maxLabelLen = 64

// StreamInfo is what the relay read in the server's last 200 answer to a
// labelled pipeline request whose baton was a string, that is whose stream
// lives on.
type StreamInfo struct {
	// Sent is when the relay received that request. The server counts a
	// stream's lifetime from a later instant, so Sent+TTL is a safe bound.
	Sent time.Time
	// TTL is the answer's stream_ttl_ms: how long the server keeps the
	// stream without a request. 0 when the answer had none.
	TTL time.Duration
}

// Bounds of the stream table: a label is forgotten by ForgetStream, after
// streamForgetAfter without an answer, or, when maxStreams labels are
// known, to make room.
const (
	maxStreams        = 1 << 14
	streamForgetAfter = 30 * time.Minute
)

// streamTable holds the StreamInfo of each label. It is safe for
// concurrent use.
type streamTable struct {
	mu sync.Mutex
	m  map[string]StreamInfo
}

// put records info for label.
func (t *streamTable) put(label string, info StreamInfo) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]StreamInfo{}
	}
	if _, known := t.m[label]; !known && len(t.m) >= maxStreams {
		t.pruneLocked(info.Sent)
	}
	t.m[label] = info
}

// pruneLocked forgets old labels, or any one when none is old. Needs t.mu.
func (t *streamTable) pruneLocked(now time.Time) {
	for l, si := range t.m {
		if now.Sub(si.Sent) > streamForgetAfter {
			delete(t.m, l)
		}
	}
	for l := range t.m {
		if len(t.m) < maxStreams {
			return
		}
		delete(t.m, l)
	}
}

// get returns what is known of label.
func (t *streamTable) get(label string) (StreamInfo, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	si, ok := t.m[label]
	return si, ok
}

// forget drops label.
func (t *streamTable) forget(label string) {
	t.mu.Lock()
	delete(t.m, label)
	t.mu.Unlock()
}

// Stream returns what the relay read in the server's last 200 answer, with
// a string baton, to a pipeline request labelled label (see
// [StreamHeaderName]); false when it saw none. An answer is recorded before
// its last byte reaches the client, so a client that has read an answer
// finds it here.
func (r *Relay) Stream(label string) (StreamInfo, bool) { return r.streams.get(label) }

// ForgetStream drops what the relay knows of label; the client calls it
// when it closes the connection that used the label.
func (r *Relay) ForgetStream(label string) { r.streams.forget(label) }

// streamLabel returns the label of a pipeline request, or "".
func streamLabel(req *http.Request) string {
	l := req.Header.Get(StreamHeaderName)
	if l == "" || len(l) > maxLabelLen || req.Method != http.MethodPost || !strings.HasSuffix(req.URL.Path, "/pipeline") {
		return ""
	}
	for i := 0; i < len(l); i++ {
		if l[i] < 0x21 || l[i] > 0x7e {
			return ""
		}
	}
	return l
}

// scanAnswer arranges for the 200 answer resp to e's labelled request to be
// scanned as it streams by, and its stream recorded. Compressed answers are
// not scanned.
func (r *Relay) scanAnswer(e *exchange, resp *http.Response) {
	if e.label == "" || resp.Header.Get("Content-Encoding") != "" {
		return
	}
	e.respBody.scan = &e.scan
	e.respBody.scanned = func(s *bodyScan) {
		if s.baton != batonString {
			return
		}
		info := StreamInfo{Sent: e.received}
		if s.hasTTL {
			info.TTL = time.Duration(s.ttlMs) * time.Millisecond
		}
		r.streams.put(e.label, info)
	}
}
