package pool_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/turso-pooled/tursopooled/pool"
	"github.com/turso-pooled/tursopooled/pool/adaptive"
)

// BenchmarkAcquireRelease measures a warm Acquire+Release on the benchmark
// goroutine while Clients-1 other goroutines do the same in a loop.
func BenchmarkAcquireRelease(b *testing.B) {
	for _, adapt := range []bool{false, true} {
		for _, clients := range []int{1, 8, 64} {
			name := fmt.Sprintf("MaxConns=20/Adaptive=%s/Clients=%d", onOff(adapt), clients)
			b.Run(name, func(b *testing.B) { benchAcquireRelease(b, adapt, clients) })
		}
	}
}

func benchAcquireRelease(b *testing.B, adapt bool, clients int) {
	db := &fakeDB{}
	cfg := db.config()
	cfg.MaxConns = 20
	cfg.MinConns = 5
	if adapt {
		c := adaptive.DefaultConfig(5, 20)
		cfg.Adaptive = &c
	}
	p := newPool(b, cfg)
	ctx := context.Background()
	warm := make([]*pool.Conn[int], 0, 20)
	for range 20 {
		warm = append(warm, mustAcquire(b, p))
	}
	for _, c := range warm {
		c.Release()
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range clients - 1 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if c, err := p.Acquire(ctx); err == nil {
					c.Release()
				}
			}
		})
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := p.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		c.Release()
	}
	close(stop)
	wg.Wait()
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
