//go:build race

package cache

// raceEnabled reports whether the tests run under the race detector, which
// slows the simulations about tenfold.
const raceEnabled = true
