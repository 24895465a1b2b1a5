package tursotest

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"sync"
	"time"
)

// httpStream is a Hrana-over-HTTP stream.
type httpStream struct {
	id      uint64
	seq     uint64 // sequence number expected in the next baton
	db      *dbStream
	sqls    map[int32]string
	idleAt  time.Time // when it was last released
	expired bool      // expired: kept only to answer STREAM_EXPIRED
	busy    bool      // acquired by a request
	expire  bool      // expire when released (ExpireStreams while busy)
	session bool      // ran a statement that changes session state (WithStatelessClose)
}

// streamRegistry owns the HTTP streams and signs their batons. A baton is
// base64(stream id, sequence number, HMAC-SHA256 of both), as sqld makes it
// (libsql-server/src/hrana/http/stream.rs:274-299): unguessable and
// different in every response.
type streamRegistry struct {
	eng     *engine
	stats   *counters
	expiry  time.Duration
	mu      sync.Mutex
	key     [32]byte
	streams map[uint64]*httpStream
}

// newRegistry returns an empty registry with a fresh baton key.
func newRegistry(eng *engine, stats *counters, expiry time.Duration) *streamRegistry {
	r := &streamRegistry{eng: eng, stats: stats, expiry: expiry, streams: map[uint64]*httpStream{}}
	_, _ = rand.Read(r.key[:])
	return r
}

// acquire returns the stream named by baton, or a new stream when baton is
// nil, for exclusive use until release. A refused baton is a *batonError,
// checked in sqld's order (libsql-server/src/hrana/http/stream.rs:118-146):
// decoding, then the stream's state, then the sequence number.
func (r *streamRegistry) acquire(ctx context.Context, baton *string) (*httpStream, error) {
	if baton == nil {
		db, err := r.eng.openStream(ctx)
		if err != nil {
			return nil, &internalError{msg: err.Error()}
		}
		st := &httpStream{db: db, sqls: map[int32]string{}, busy: true}
		var b [16]byte
		_, _ = rand.Read(b[:])
		st.seq = binary.BigEndian.Uint64(b[8:])
		r.mu.Lock()
		defer r.mu.Unlock()
		st.id = binary.BigEndian.Uint64(b[:8])
		for r.streams[st.id] != nil {
			st.id++
		}
		r.streams[st.id] = st
		return st, nil
	}
	id, seq, kind := r.decode(*baton)
	if kind >= 0 {
		return nil, &batonError{kind: kind}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.streams[id]
	switch {
	case st == nil:
		return nil, &batonError{kind: batonUnknown}
	case st.expired:
		return nil, &batonError{kind: batonExpired}
	case st.busy:
		return nil, &batonError{kind: batonBusy}
	case st.seq != seq:
		return nil, &batonError{kind: batonSuperseded}
	}
	st.busy = true
	st.seq++
	return st, nil
}

// release makes the stream available again and returns its next baton, or
// "" when the stream was closed.
func (r *streamRegistry) release(st *httpStream) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	st.busy = false
	if st.db == nil {
		delete(r.streams, st.id)
		return ""
	}
	st.idleAt = time.Now()
	if st.expire {
		r.expireLocked(st)
		return ""
	}
	return r.encode(st.id, st.seq)
}

// closeStream closes the stream's SQLite connection; release then forgets it.
func (r *streamRegistry) closeStream(st *httpStream) {
	if st.db != nil {
		r.eng.closeStream(st.db)
		st.db = nil
	}
}

// drop forgets a stream after a protocol error, closing its connection.
func (r *streamRegistry) drop(st *httpStream) {
	r.closeStream(st)
	r.release(st)
}

// expireLocked closes an idle stream and keeps a tombstone for it.
func (r *streamRegistry) expireLocked(st *httpStream) {
	if st.db != nil {
		r.eng.closeStream(st.db)
		st.db = nil
	}
	st.expired = true
	st.idleAt = time.Now()
	r.stats.streamsExpired.Add(1)
}

// expireIdle expires the streams idle for longer than the expiry and drops
// old tombstones. With all set, it expires every stream now.
func (r *streamRegistry) expireIdle(now time.Time, all bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, st := range r.streams {
		switch {
		case st.expired:
			if now.Sub(st.idleAt) > expiredRetention {
				delete(r.streams, id)
			}
		case st.busy:
			st.expire = st.expire || all
		case all || now.Sub(st.idleAt) >= r.expiry:
			r.expireLocked(st)
		}
	}
}

// closeAll closes every idle stream and forgets all streams; busy streams
// are closed by their request when it ends. The baton key changes, so old
// batons become invalid, as after an sqld restart.
func (r *streamRegistry) closeAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, st := range r.streams {
		if st.busy {
			st.expire = true
			continue
		}
		if st.db != nil {
			r.eng.closeStream(st.db)
			st.db = nil
		}
		delete(r.streams, id)
	}
	_, _ = rand.Read(r.key[:])
}

// encode returns the baton for a stream id and sequence number.
func (r *streamRegistry) encode(id, seq uint64) string {
	var b [48]byte
	binary.BigEndian.PutUint64(b[:8], id)
	binary.BigEndian.PutUint64(b[8:16], seq)
	m := hmac.New(sha256.New, r.key[:])
	m.Write(b[:16])
	copy(b[16:], m.Sum(nil))
	return base64.RawStdEncoding.EncodeToString(b[:])
}

// decode checks a baton's MAC and returns its stream id and sequence
// number, or why the baton is refused (kind >= 0): batonMalformed when it
// is not unpadded standard base64 of 48 bytes, batonForged when its MAC does
// not verify (sqld reports both as BatonInvalid, stream.rs:304-328). Called
// with r.mu unlocked; reads the key under the lock.
func (r *streamRegistry) decode(baton string) (id, seq uint64, kind batonKind) {
	b, err := base64.RawStdEncoding.DecodeString(baton)
	if err != nil || len(b) != 48 {
		return 0, 0, batonMalformed
	}
	r.mu.Lock()
	key := r.key
	r.mu.Unlock()
	m := hmac.New(sha256.New, key[:])
	m.Write(b[:16])
	if !hmac.Equal(m.Sum(nil), b[16:]) {
		return 0, 0, batonForged
	}
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:16]), -1
}

// runExpiry expires idle streams until stop is closed. It checks a few
// times per expiry period, so a stream lives between expiry and 1.25 ×
// expiry after its last request.
func (r *streamRegistry) runExpiry(stop <-chan struct{}) {
	period := min(max(r.expiry/4, 5*time.Millisecond), time.Second)
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			r.expireIdle(now, false)
		}
	}
}
