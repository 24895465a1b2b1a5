package cachebus

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: Close
// must stop everything the bus started.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
