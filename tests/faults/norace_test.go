//go:build !race

package faults

// raceEnabled reports whether the race detector is on; the suite scales
// its load down under it.
const raceEnabled = false
