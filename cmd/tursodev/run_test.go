package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turso-pooled/tursopooled/tursotest"
	_ "github.com/tursodatabase/libsql-client-go/libsql"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestParseFlags(t *testing.T) {
	env := func(k string) string {
		if k == "TURSODEV_AUTH_TOKEN" {
			return "from-env"
		}
		return ""
	}
	tests := []struct {
		args    []string
		token   string
		profile tursotest.Profile
		wantErr bool
	}{
		{args: nil, token: "from-env"},
		{args: []string{"-profile", "turso-cloud"}, token: "from-env", profile: tursotest.ProfileTursoCloud},
		{args: []string{"-profile", "sqld-legacy"}, token: "from-env", profile: tursotest.ProfileSqldLegacy},
		{args: []string{"-profile", "cloud"}, wantErr: true},
		{args: []string{"-auth-token", "flag"}, token: "flag"},
		{args: []string{"-stream-expiry", "0s"}, wantErr: true},
		{args: []string{"extra"}, wantErr: true},
		{args: []string{"-nosuchflag"}, wantErr: true},
	}
	for _, tc := range tests {
		c, err := parseFlags(tc.args, &bytes.Buffer{}, env)
		if (err != nil) != tc.wantErr || (err == nil && (c.authToken != tc.token || c.profile != tc.profile)) {
			t.Errorf("%v: config %+v, err %v", tc.args, c, err)
		}
	}
}

func TestRunServesUntilCanceled(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "app.db")}, out, func(string) string { return "" })
	}()
	re := regexp.MustCompile(`HTTP:\s+(http://\S+)`)
	deadline := time.Now().Add(10 * time.Second)
	for !re.MatchString(out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no URL printed: %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	url := re.FindStringSubmatch(out.String())[1]
	for _, want := range []string{"ws://", "libsql://", `sql.Open("libsql"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}
	db, err := sql.Open("libsql", url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE t (a)"); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "app.db")); err != nil {
		t.Fatalf("database file: %v", err)
	}
}
