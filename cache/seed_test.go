package cache

import (
	"fmt"
	"testing"
	"time"
)

// seededLifetime is the age at which an entry credited with prior requests
// and never hit expires, per the documented formula: it dies when
// age − TTL ≥ span × hot × (1 − (age − TTL)/span), i.e. at
// TTL + span × hot / (1 + hot).
func seededLifetime(prior uint32, ttl, maxTTL time.Duration) time.Duration {
	if prior == 0 {
		return ttl
	}
	hot := float64(prior) / (float64(prior) + scoreHalfHits)
	return ttl + time.Duration(float64(maxTTL-ttl)*hot/(1+hot))
}

func TestSeededLifetime(t *testing.T) {
	const ttl, maxTTL = 10 * time.Second, 25 * time.Second
	const margin = 10 * time.Millisecond
	tests := []struct {
		name      string
		requests  int           // Gets of the key before its Set (the last one is the miss that leads to it)
		fixed     time.Duration // ttl given to Set
		wantPrior uint32
		alive     time.Duration // age at which the probe must hit (0: no probe)
		dead      time.Duration // age at which the probe must miss
	}{
		{"never requested", 0, 0, 0, ttl - margin, ttl},
		{"first request", 1, 0, 0, ttl - margin, ttl},
		{"requested twice", 2, 0, 1, seededLifetime(1, ttl, maxTTL) - margin, seededLifetime(1, ttl, maxTTL) + margin},
		{"requested 5 times", 5, 0, 4, seededLifetime(4, ttl, maxTTL) - margin, seededLifetime(4, ttl, maxTTL) + margin},
		{"saturated", 40, 0, counterMax - 1, seededLifetime(counterMax-1, ttl, maxTTL) - margin, seededLifetime(counterMax-1, ttl, maxTTL) + margin},
		{"fixed ttl ignores the sketch", 40, time.Second, 0, time.Second - margin, time.Second},
	}
	for _, tt := range tests {
		for _, probe := range []struct {
			at   time.Duration
			want bool
		}{{tt.alive, true}, {tt.dead, false}} {
			t.Run(fmt.Sprintf("%s/age=%v", tt.name, probe.at), func(t *testing.T) {
				c, clk := newTestCache(t, Config{TTL: ttl, MaxTTL: maxTTL})
				k := mustKey(t, "SELECT * FROM t")
				for range tt.requests {
					if _, ok := c.Get(k); ok {
						t.Fatal("hit before Set")
					}
				}
				if !c.Set(k, smallResult("x"), []string{"t"}, c.Snapshot([]string{"t"}), tt.fixed) {
					t.Fatal("Set refused")
				}
				c.Wait()
				e, ok := c.rc.Get(k.canon)
				if !ok || e.prior != tt.wantPrior {
					t.Fatalf("entry prior = %v (found %v), want %d", e, ok, tt.wantPrior)
				}
				clk.Advance(probe.at)
				if _, ok := c.Get(k); ok != probe.want {
					t.Fatalf("Get at age %v: hit = %v, want %v", probe.at, ok, probe.want)
				}
			})
		}
	}
}

// TestSeededStalenessBound: however popular the key was before its entry
// was born, and however often the entry is hit, it is never served at an
// age of MaxTTL or more, counted from the snapshot (not from Set).
func TestSeededStalenessBound(t *testing.T) {
	const ttl, maxTTL, step = 4 * time.Second, 10 * time.Second, 50 * time.Millisecond
	for _, queryTime := range []time.Duration{0, 3 * time.Second} {
		for _, hitting := range []bool{true, false} {
			t.Run(fmt.Sprintf("query=%v/hitting=%v", queryTime, hitting), func(t *testing.T) {
				c, clk := newTestCache(t, Config{TTL: ttl, MaxTTL: maxTTL})
				k := mustKey(t, "SELECT * FROM t")
				for range 100 {
					c.Get(k)
				}
				snap := c.Snapshot([]string{"t"})
				clk.Advance(queryTime)
				if !c.Set(k, smallResult("x"), []string{"t"}, snap, 0) {
					t.Fatal("Set refused")
				}
				c.Wait()
				served := time.Duration(-1) // largest age at which the entry was served
				for age := queryTime; age < 2*maxTTL; age += step {
					if hitting || age >= maxTTL-step {
						if _, ok := c.Get(k); !ok {
							break
						}
						served = age
					}
					clk.Advance(step)
				}
				if served >= maxTTL {
					t.Fatalf("served at age %v; MaxTTL is %v", served, maxTTL)
				}
				if hitting && served < maxTTL-2*step {
					t.Fatalf("hot entry last served at age %v, want just under MaxTTL %v", served, maxTTL)
				}
				if !hitting && served >= 0 {
					t.Fatalf("entry never hit served at age %v; its scored TTL is below MaxTTL", served)
				}
			})
		}
	}
}

func TestPriorOf(t *testing.T) {
	for _, tt := range []struct{ est, want uint32 }{{0, 0}, {1, 0}, {2, 1}, {counterMax, counterMax - 1}} {
		if got := priorOf(tt.est); got != tt.want {
			t.Errorf("priorOf(%d) = %d, want %d", tt.est, got, tt.want)
		}
	}
}

func TestSatAdd(t *testing.T) {
	const maxU = ^uint32(0)
	for _, tt := range []struct{ a, b, want uint32 }{{0, 0, 0}, {3, 4, 7}, {maxU, 1, maxU}, {maxU - 1, 1, maxU}, {1 << 31, 1 << 31, maxU}} {
		if got := satAdd(tt.a, tt.b); got != tt.want {
			t.Errorf("satAdd(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
