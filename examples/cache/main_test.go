package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRun runs the example end to end: most reads are cache hits and the
// write is visible at once.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	m := regexp.MustCompile(`(\d+) requests reached the server`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no request count in output:\n%s", out.String())
	}
	if n, _ := strconv.Atoi(m[1]); n >= reads/2 {
		t.Errorf("%d of %d reads reached the server; the cache should answer most", n, reads)
	}
	if want := fmt.Sprintf("cheapest product is %q", "mug"); !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %s:\n%s", want, out.String())
	}
}
