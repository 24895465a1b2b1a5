package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRun runs the example end to end: compression sends fewer bytes and
// every document reads back intact.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	m := regexp.MustCompile(`(\d+) bytes raw, (\d+) bytes with compress=br`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no byte counts in output:\n%s", out.String())
	}
	raw, _ := strconv.Atoi(m[1])
	br, _ := strconv.Atoi(m[2])
	if br <= 0 || br >= raw/2 {
		t.Errorf("compress=br sent %d bytes, raw %d: want less than half", br, raw)
	}
	if !strings.Contains(out.String(), "codec: 50 values framed") || !strings.Contains(out.String(), "read back intact: true") {
		t.Errorf("unexpected output:\n%s", out.String())
	}
}
