package tursopooled_test

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	tursopooled "github.com/turso-pooled/tursopooled"
)

// newTextLogger logs every level as text into lb (see logging_test.go).
func newTextLogger(lb *lockedBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// eventuallyBus polls cond every 5 ms for up to 20 s (child processes and
// the race detector on two shared cores are slow; the bus's own promises
// are far shorter and measured by benchmarks).
func eventuallyBus(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fmtStats prints every field of s, as a careless caller might log it.
func fmtStats(s tursopooled.Stats) string { return fmt.Sprintf("%+v %#v", s, s) }
