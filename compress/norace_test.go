//go:build !race

package compress

// raceEnabled is true under the race detector, which makes brotli ~20x slower.
const raceEnabled = false
