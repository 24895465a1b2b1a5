package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// testMainEnv makes the test binary run the program itself, with the
// arguments in testArgsEnv (split on spaces), printing the server
// process's pid on stderr: TestServerProcessOutlivesNoParent kills it.
const (
	testMainEnv = "TURSO_POOLED_BENCH_TEST_MAIN"
	testArgsEnv = "TURSO_POOLED_BENCH_TEST_ARGS"
)

func TestMain(m *testing.M) {
	switch {
	case isServerProcess():
		os.Exit(serverMain(os.Stdin, os.Stdout, os.Stderr))
	case isReplicaProcess():
		os.Exit(replicaMain(os.Stdin, os.Stdout, os.Stderr))
	case os.Getenv(testMainEnv) == "1":
		serverStarted = func(pid int) { fmt.Fprintf(os.Stderr, "server-pid %d\n", pid) }
		os.Exit(run(context.Background(), strings.Fields(os.Getenv(testArgsEnv)), os.Stdout, os.Stderr))
	}
	goleak.VerifyTestMain(m)
}
