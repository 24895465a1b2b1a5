//go:build race

package sqlclass

// raceEnabled reports whether the tests run under the race detector, which
// slows the SQLite-backed differential tests about fortyfold.
const raceEnabled = true
