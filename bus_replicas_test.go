package tursopooled_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/turso-pooled/tursopooled/benchmarks/wansim"
	"github.com/turso-pooled/tursopooled/cache"
	"github.com/turso-pooled/tursopooled/cachebus"
	"github.com/turso-pooled/tursopooled/internal/redistest"
)

// busStaleBound is the staleness no read may exceed with the bus in bypass
// mode, whatever the fault: a read is stale only while an invalidation is
// in flight (a replica that lost Redis, or was paused, serves nothing from
// its cache until it has caught up), so this is slack for scheduling on
// two shared cores under the race detector, not a promise of speed (the
// benchmarks measure that). It is below the one-second lease, so a
// replica that served until its lease ran out would fail it. Without the
// bus, the same reads are stale for as long as the load runs
// (cache_max_ttl is 50 s here): the control case must exceed
// busControlStale.
const (
	busStaleBound   = 250 * time.Millisecond
	busControlStale = 1500 * time.Millisecond
)

// busKeys is the number of rows the writer cycles through.
const busKeys = 16

// TestBusReplicas runs replicas as separate processes (this test binary,
// run again as TestBusReplicaChild), each with its own *sql.DB and cache
// over the same tursotest server and the same redis-server: one writer
// and two readers, while a fault hits the bus. Every read of every reader
// is checked against the writer's acknowledgements: none may return a
// value older than a write acknowledged more than busStaleBound before
// the read started. The control case, without a bus, must fail that check.
func TestBusReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several processes")
	}
	tests := []struct {
		name  string
		noBus bool
		rtt   time.Duration // through the WAN simulator
		fault func(t *testing.T, h *busHarness)
		check func(t *testing.T, h *busHarness)
	}{
		{name: "no fault", check: func(t *testing.T, h *busHarness) {
			if s := h.stats(t, "reader0"); s.Cache.Hits == 0 || s.Bus.Applied == 0 {
				t.Errorf("reader0: %d hits, %d remote invalidations applied: want both > 0", s.Cache.Hits, s.Bus.Applied)
			}
		}},
		{name: "redis killed and restarted", fault: func(t *testing.T, h *busHarness) {
			h.redis.Kill()
			time.Sleep(time.Second)
			h.redis.Restart()
		}, check: func(t *testing.T, h *busHarness) {
			s := h.stats(t, "reader0")
			if s.Bus.SubscriptionsLost == 0 || s.Bus.Subscribes < 2 || s.Cache.GetsRefused == 0 {
				t.Errorf("reader0 bus %+v, %d gets refused: want a loss, a new subscription and refused gets", s.Bus, s.Cache.GetsRefused)
			}
			if w := h.stats(t, "writer"); w.Bus.PublishErrors == 0 {
				t.Errorf("writer bus %+v: want publish errors while Redis was down", w.Bus)
			}
		}},
		{name: "subscriber paused", fault: func(t *testing.T, h *busHarness) {
			h.signal(t, "reader0", syscall.SIGSTOP)
			time.Sleep(1500 * time.Millisecond)
			h.signal(t, "reader0", syscall.SIGCONT)
			h.resumed = time.Now().UnixNano()
		}, check: func(t *testing.T, h *busHarness) {
			// Whether reader0's first reads after SIGCONT find the lease
			// lapsed (GetsRefused) or renewed by a ping sent after it resumed
			// is a race; either way none of them may be stale.
			after := 0
			for _, l := range h.lines(t, "reader0") {
				if l[0] == "r" && nums(t, l[1])[2] > h.resumed {
					after++
				}
			}
			if after == 0 {
				t.Error("reader0 made no read after it resumed")
			}
		}},
		{name: "slow network to redis", rtt: 40 * time.Millisecond},
		{name: "garbage on the channel", fault: func(t *testing.T, h *busHarness) {
			for _, p := range []string{"garbage", "", "tp\x01", `{"invalidate":"all"}`} {
				h.publish(t, p)
			}
		}, check: func(t *testing.T, h *busHarness) {
			if s := h.stats(t, "reader1"); s.Bus.Malformed != 4 {
				t.Errorf("reader1 counted %d malformed messages, want 4", s.Bus.Malformed)
			}
		}},
		{name: "control without a bus", noBus: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startBusHarness(t, tt.noBus, tt.rtt, "writer", "reader0", "reader1")
			time.Sleep(time.Second)
			if tt.fault != nil {
				tt.fault(t, h)
			}
			time.Sleep(1500 * time.Millisecond)
			h.stop(t)
			st := h.staleness(t)
			t.Logf("%s: %d reads, %d stale; stale age p50 %v, p99 %v, max %v; reader0 hit ratio %.3f",
				tt.name, st.reads, st.stale, st.p(0.5), st.p(0.99), st.max(), h.stats(t, "reader0").Cache.HitRatio())
			if tt.noBus {
				if st.max() <= busControlStale {
					t.Errorf("without a bus the worst stale read is %v: the check cannot tell the bus from no bus", st.max())
				}
				return
			}
			if st.max() > busStaleBound {
				t.Errorf("a read returned a value %v staler than the writer's acknowledgement (bound %v)", st.max(), busStaleBound)
			}
			if tt.check != nil {
				tt.check(t, h)
			}
		})
	}
}

// busHarness is one run: the redis-server, the table, the replica
// processes and their logs.
type busHarness struct {
	redis   *redistest.Server
	channel string
	dir     string
	procs   map[string]*exec.Cmd
	stdins  map[string]io.WriteCloser
	resumed int64 // UnixNano when a paused replica was resumed
}

// startBusHarness creates the table, then starts the replicas named (a
// role, see TestBusReplicaChild, and a digit) and waits until each is
// subscribed.
func startBusHarness(t *testing.T, noBus bool, rtt time.Duration, replicas ...string) *busHarness {
	t.Helper()
	h := &busHarness{redis: redistest.Start(t), dir: t.TempDir(), procs: map[string]*exec.Cmd{}, stdins: map[string]io.WriteCloser{},
		channel: fmt.Sprintf("turso-pooled-test:%d:%d", os.Getpid(), tableSeq.Add(1))}
	redisAddr := h.redis.Addr()
	if rtt > 0 {
		cfg := wansim.DefaultConfig(redisAddr)
		cfg.RTT = rtt
		p, err := wansim.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		redisAddr = p.Addr()
	}
	tg := target{name: "http", url: env.plain.HTTPURL(), token: testToken}
	table := tableName("bus")
	setup := openPooled(t, tg, "")
	ckExec(t, setup, "CREATE TABLE "+table+" (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
	for id := range busKeys {
		ckExec(t, setup, "INSERT INTO "+table+" (id, v) VALUES (?, 0)", id)
	}
	params := "pool_min_conns=1&cache=on&cache_ttl=20s&cache_max_ttl=50s"
	if !noBus {
		params += "&cache_bus=redis://" + redisAddr + "&cache_bus_channel=" + h.channel
	}
	dsn := dsnFor(tg, params)
	for _, name := range replicas {
		h.startChild(t, name, dsn, table)
	}
	return h
}

func (h *busHarness) startChild(t *testing.T, name, dsn, table string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBusReplicaChild$", "-test.count=1", "-test.timeout=3m")
	cmd.Env = append(os.Environ(), childRoleEnv+"="+strings.TrimRight(name, "0123456789"), childDSNEnv+"="+dsn,
		childTableEnv+"="+table, childKeysEnv+"="+strconv.Itoa(busKeys), childOutEnv+"="+filepath.Join(h.dir, name))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		saw := false
		for sc.Scan() {
			if !saw && sc.Text() == "ready" {
				saw = true
				ready <- true
			}
		}
		if !saw {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("replica %s exited before it was ready", name)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("replica %s not ready after 60s", name)
	}
	h.procs[name], h.stdins[name] = cmd, stdin
}

// stop ends every replica (closing its stdin) and waits for it.
func (h *busHarness) stop(t *testing.T) {
	t.Helper()
	for _, in := range h.stdins {
		in.Close()
	}
	for name, cmd := range h.procs {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("replica %s: %v", name, err)
		}
	}
}

func (h *busHarness) signal(t *testing.T, name string, sig syscall.Signal) {
	t.Helper()
	if err := h.procs[name].Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// publish sends payload on the replicas' channel with a plain client.
func (h *busHarness) publish(t *testing.T, payload string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: h.redis.Addr(), Protocol: 2})
	defer c.Close()
	if err := c.Publish(testCtx(t), h.channel, payload).Err(); err != nil {
		t.Fatal(err)
	}
}

// childStats is the part of a replica's Stats the checks read.
type childStats struct {
	Cache cache.Stats
	Bus   cachebus.Stats
}

func (h *busHarness) lines(t *testing.T, name string) [][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(h.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for line := range strings.SplitSeq(strings.TrimSpace(string(data)), "\n") {
		out = append(out, strings.SplitN(line, " ", 2))
	}
	return out
}

func (h *busHarness) stats(t *testing.T, name string) childStats {
	t.Helper()
	var s childStats
	for _, l := range h.lines(t, name) {
		if l[0] == "s" {
			if err := json.Unmarshal([]byte(l[1]), &s); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

// staleAges holds, for every read, how long before it started a newer
// value than the one it returned had been acknowledged (0: none).
type staleAges struct {
	reads, stale int
	ages         []time.Duration // sorted
}

func (s staleAges) p(q float64) time.Duration {
	if len(s.ages) == 0 {
		return 0
	}
	return s.ages[min(int(q*float64(len(s.ages))), len(s.ages)-1)]
}

func (s staleAges) max() time.Duration { return s.p(1) }

// staleness checks every read of both readers against the writer's log.
func (h *busHarness) staleness(t *testing.T) staleAges {
	t.Helper()
	type write struct{ ver, ack int64 }
	writes := map[int64][]write{} // by id, in order
	for _, l := range h.lines(t, "writer") {
		if l[0] == "w" {
			f := nums(t, l[1])
			writes[f[0]] = append(writes[f[0]], write{f[1], f[2]})
		}
	}
	var st staleAges
	for _, reader := range []string{"reader0", "reader1"} {
		for _, l := range h.lines(t, reader) {
			if l[0] != "r" {
				continue
			}
			f := nums(t, l[1])
			id, v, start := f[0], f[1], f[2]
			ws := writes[id]
			i, _ := slices.BinarySearchFunc(ws, v+1, func(w write, ver int64) int { return int(w.ver - ver) })
			age := time.Duration(0)
			if i < len(ws) && ws[i].ack < start {
				age = time.Duration(start - ws[i].ack)
				st.stale++
			}
			st.reads++
			st.ages = append(st.ages, age)
		}
	}
	slices.Sort(st.ages)
	if st.reads == 0 {
		t.Fatal("no reads logged")
	}
	return st
}

// TestBusVisibility measures how long after a write returned in one
// process another process's cache serves the new value: the writer
// updates 16 keys in turn, the poller reads key 0 in a loop (cache hits
// between writes). It logs the distribution, at RTT 0 and 20 ms to Redis,
// and checks only the soundness bound (speed targets are benchmarks').
func TestBusVisibility(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several processes")
	}
	for _, rtt := range []time.Duration{0, 20 * time.Millisecond} {
		t.Run("rtt="+rtt.String(), func(t *testing.T) {
			h := startBusHarness(t, false, rtt, "writer", "poller")
			time.Sleep(4 * time.Second)
			h.stop(t)
			var seen [][2]int64 // value, when it was in hand
			for _, l := range h.lines(t, "poller") {
				if l[0] == "p" {
					f := nums(t, l[1])
					seen = append(seen, [2]int64{f[0], f[2]})
				}
			}
			var lat []time.Duration
			for _, l := range h.lines(t, "writer") {
				if l[0] != "w" {
					continue
				}
				f := nums(t, l[1])
				if f[0] != 0 {
					continue
				}
				i := slices.IndexFunc(seen, func(s [2]int64) bool { return s[0] >= f[1] })
				if i < 0 {
					continue // the run ended first
				}
				lat = append(lat, max(time.Duration(seen[i][1]-f[2]), 0))
			}
			if len(lat) < 5 {
				t.Fatalf("only %d writes of key 0 seen", len(lat))
			}
			slices.Sort(lat)
			p := func(q float64) time.Duration { return lat[min(int(q*float64(len(lat))), len(lat)-1)] }
			s := h.stats(t, "poller")
			t.Logf("rtt %v: %d writes of key 0 seen by the other process after p50 %v, p99 %v, max %v (poller hit ratio %.3f)",
				rtt, len(lat), p(0.5), p(0.99), p(1), s.Cache.HitRatio())
			if p(1) > busStaleBound {
				t.Errorf("a write took %v to be seen, bound %v", p(1), busStaleBound)
			}
		})
	}
}

func nums(t *testing.T, s string) []int64 {
	t.Helper()
	var out []int64
	for f := range strings.FieldsSeq(s) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			t.Fatalf("bad log field %q", f)
		}
		out = append(out, n)
	}
	return out
}
