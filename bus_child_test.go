package tursopooled_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	tursopooled "github.com/turso-pooled/tursopooled"
)

// Environment of a replica child process (see TestBusReplicas).
const (
	childRoleEnv  = "TURSO_POOLED_BUS_ROLE" // writer, reader or poller
	childDSNEnv   = "TURSO_POOLED_BUS_DSN"
	childTableEnv = "TURSO_POOLED_BUS_TABLE"
	childKeysEnv  = "TURSO_POOLED_BUS_KEYS"
	childOutEnv   = "TURSO_POOLED_BUS_OUT"
)

// TestBusReplicaChild is the body of a replica process that
// TestBusReplicas starts by running the test binary again; it skips in a
// normal run. It opens its own *sql.DB, prints "ready" once its cache bus
// is subscribed, and then, until its stdin closes, runs its role:
//
//   - writer: UPDATE table SET v = n WHERE id = n % keys, n = 1, 2, …, logging
//     "w id n ack" after each write returns (times are UnixNano);
//   - reader: SELECT v FROM table WHERE id = ? for random ids, logging
//     "r id v start" for each read;
//   - poller: reads id 0 in a tight loop, logging "p v start end" when v
//     changes.
//
// Last, it logs "s" and its Stats as JSON.
func TestBusReplicaChild(t *testing.T) {
	role := os.Getenv(childRoleEnv)
	if role == "" {
		t.Skip("runs only as a replica process of TestBusReplicas")
	}
	db, err := sql.Open(tursopooled.DriverName, os.Getenv(childDSNEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f, err := os.Create(os.Getenv(childOutEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := bufio.NewWriterSize(f, 1<<20)
	keys, _ := strconv.Atoi(os.Getenv(childKeysEnv))
	table := os.Getenv(childTableEnv)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := tursopooled.StatsOf(db); st.BusOn {
		eventuallyBus(t, "the bus subscribes", func() bool { s, _ := tursopooled.StatsOf(db); return s.Bus.Subscribed })
	}
	read := "SELECT v FROM " + table + " WHERE id = ?"
	var v0 int64 // a first read loads the schema map, which keyed invalidation needs (a process that only writes invalidates everything)
	if err := db.QueryRowContext(ctx, read, 0).Scan(&v0); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stop) }()
	fmt.Println("ready")
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	last := int64(-1)
	for n := int64(1); !stopped(); n++ {
		switch role {
		case "writer":
			id := n % int64(keys)
			if _, err := db.ExecContext(ctx, "UPDATE "+table+" SET v = ? WHERE id = ?", n, id); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(out, "w %d %d %d\n", id, n, time.Now().UnixNano())
			time.Sleep(2 * time.Millisecond)
		case "reader":
			id := rand.Int64N(int64(keys))
			start := time.Now().UnixNano()
			var v int64
			if err := db.QueryRowContext(ctx, read, id).Scan(&v); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(out, "r %d %d %d\n", id, v, start)
			time.Sleep(200 * time.Microsecond)
		case "poller":
			start := time.Now().UnixNano()
			var v int64
			if err := db.QueryRowContext(ctx, read, 0).Scan(&v); err != nil {
				t.Fatal(err)
			}
			if v != last {
				fmt.Fprintf(out, "p %d %d %d\n", v, start, time.Now().UnixNano())
				last = v
			}
			time.Sleep(100 * time.Microsecond)
		default:
			t.Fatalf("unknown role %q", role)
		}
	}
	st, _ := tursopooled.StatsOf(db)
	js, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(out, "s %s\n", js)
	if err := out.Flush(); err != nil {
		t.Fatal(err)
	}
}
