package cachebus

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// subscribeLoop keeps a subscription to the channel, making it again with
// exponential backoff (with jitter) after every failure, until Close.
func (b *Bus) subscribeLoop() {
	defer b.wg.Done()
	backoff := minBackoff
	failing := false // the last attempts failed; only the first failure is a transition
	for b.ctx.Err() == nil {
		confirmed, err := b.session()
		if b.ctx.Err() != nil {
			return
		}
		switch {
		case confirmed:
			b.lost(err)
			backoff, failing = minBackoff, true
		case !failing:
			b.logger.Warn("turso-pooled: cache bus: cannot subscribe; retrying with backoff", "bus", b.where, "err", err, "retry_in", backoff)
			failing = true
		default:
			b.logger.Debug("turso-pooled: cache bus: cannot subscribe", "bus", b.where, "err", err, "retry_in", backoff)
		}
		b.ctr.subscribeErrors.Add(1)
		if !b.sleep(backoff/2 + rand.N(backoff/2+1)) {
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// session subscribes once and applies messages until the connection
// fails, stays silent for deadAfter, or the bus closes. confirmed reports
// whether Redis confirmed the subscription.
func (b *Bus) session() (confirmed bool, err error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return false, errors.New("closed")
	}
	ps := b.client.Subscribe(b.ctx, b.channel)
	b.ps = ps
	b.mu.Unlock()
	var pings sync.WaitGroup
	stop := make(chan struct{})
	defer func() {
		close(stop)
		_ = ps.Close()
		pings.Wait()
		b.mu.Lock()
		b.ps = nil
		b.mu.Unlock()
	}()
	for {
		msg, err := ps.ReceiveTimeout(b.ctx, deadAfter)
		if err != nil {
			return confirmed, err
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" && m.Channel == b.channel && !confirmed {
				confirmed = true
				b.confirmed()
				pings.Add(1)
				go b.pingLoop(ps, stop, &pings)
			}
		case *redis.Pong:
			b.answered(m.Payload)
		case *redis.Message:
			b.apply([]byte(m.Payload))
		}
	}
}

// pingLoop pings the subscription connection at once, then every
// pingEvery, with the send time as payload, until stop closes.
func (b *Bus) pingLoop(ps *redis.PubSub, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for {
		_ = ps.Ping(b.ctx, strconv.FormatInt(time.Now().UnixNano(), 10)) // a failure shows in Receive
		select {
		case <-t.C:
		case <-stop:
			return
		}
	}
}

// confirmed runs when Redis confirms a subscription: the cache is flushed,
// so that no result fetched before (while messages could be missed) is
// served or stored; with FallbackBypass the cache serves again once the
// first ping is answered.
func (b *Bus) confirmed() {
	b.target.InvalidateAll()
	b.ctr.flushes.Add(1)
	b.subscribed.Store(true)
	b.ctr.subscribes.Add(1)
	b.logger.Warn("turso-pooled: cache bus: subscribed", "bus", b.where, "fallback", string(b.fallback))
}

// answered extends the lease by the answer to a ping sent at the time in
// payload: every message published before Redis answered it was applied
// (a connection delivers in order), so the cache may serve until leaseFor
// after the ping was sent.
func (b *Bus) answered(payload string) {
	sent, err := strconv.ParseInt(payload, 10, 64)
	if err != nil || b.fallback != FallbackBypass {
		return
	}
	b.target.ServeUntil(time.Unix(0, sent).Add(leaseFor))
}

// lost runs when a confirmed subscription ends: with FallbackBypass the
// cache stops serving and is flushed.
func (b *Bus) lost(err error) {
	b.subscribed.Store(false)
	b.ctr.losses.Add(1)
	if b.fallback == FallbackBypass {
		b.target.ServeUntil(time.Time{})
		b.target.InvalidateAll()
		b.ctr.flushes.Add(1)
	}
	b.logger.Warn("turso-pooled: cache bus: subscription lost", "bus", b.where, "err", err, "fallback", string(b.fallback))
}

// apply applies one payload received on the channel.
func (b *Bus) apply(p []byte) {
	m, err := Decode(p)
	switch {
	case errors.Is(err, ErrFutureVersion):
		b.ctr.malformed.Add(1)
		b.ctr.futureVersions.Add(1)
		b.target.InvalidateAll() // an invalidation this version cannot read
		return
	case err != nil:
		b.ctr.malformed.Add(1)
		return
	case m.Identity != b.identity:
		b.ctr.foreign.Add(1)
		return
	case m.Instance == b.instance:
		b.ctr.own.Add(1)
		return
	}
	if m.All {
		b.target.InvalidateAll()
	} else {
		for _, w := range m.Keys {
			b.target.InvalidateKeys(w)
		}
		b.target.Invalidate(m.Tables)
	}
	b.ctr.applied.Add(1)
}
