package main

import (
	"math"
	"testing"
	"time"
)

// samplesOf builds samples of total connections taken at the given
// milliseconds.
func samplesOf(atMs []int, totals []int32) []poolSample {
	out := make([]poolSample, len(atMs))
	for i := range atMs {
		out[i] = poolSample{At: time.Duration(atMs[i]) * time.Millisecond, Total: totals[i]}
	}
	return out
}

func TestConnSeconds(t *testing.T) {
	tests := []struct {
		name   string
		atMs   []int
		totals []int32
		want   float64
	}{
		{"no samples", nil, nil, 0},
		{"one sample spans no time", []int{0}, []int32{5}, 0},
		{"constant", []int{0, 500, 1000}, []int32{5, 5, 5}, 5},
		{"step holds until the next sample", []int{0, 1000, 2000}, []int32{5, 50, 0}, 5 + 50},
		{"last value spans nothing", []int{0, 1000}, []int32{2, 100}, 2},
		{"irregular intervals", []int{0, 50, 150, 1150}, []int32{10, 20, 30, 0}, 10*0.05 + 20*0.1 + 30*1},
		{"out of order interval ignored", []int{0, 100, 50}, []int32{10, 10, 10}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := connSeconds(samplesOf(tc.atMs, tc.totals))
			if math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("connSeconds = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDirectionChanges(t *testing.T) {
	tests := []struct {
		name   string
		values []int32
		want   int
	}{
		{"empty", nil, 0},
		{"single", []int32{5}, 0},
		{"flat", []int32{5, 5, 5, 5}, 0},
		{"ramp up in steps", []int32{5, 8, 8, 12, 20, 50}, 0},
		{"ramp down", []int32{50, 40, 32, 32, 26}, 0},
		{"up then down", []int32{5, 20, 20, 16}, 1},
		{"plateaus do not reset the direction", []int32{5, 10, 10, 10, 12, 12, 9}, 1},
		{"oscillation", []int32{10, 12, 10, 12, 10}, 3},
		{"down up down", []int32{20, 16, 16, 24, 19}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := directionChanges(tc.values); got != tc.want {
				t.Errorf("directionChanges(%v) = %d, want %d", tc.values, got, tc.want)
			}
		})
	}
}

func TestPutReach(t *testing.T) {
	ms10 := func(n int) time.Duration { return time.Duration(n) * 10 * time.Millisecond }
	tests := []struct {
		name                    string
		samples                 []poolSample
		wantMet, wantReach      float64
		wantReached, wantEmptid float64
	}{
		{"target reached first", []poolSample{{At: ms10(0), Target: 5}, {At: ms10(11), Target: 5, Waiting: 40},
			{At: ms10(12), Target: 50, Waiting: 14}, {At: ms10(50), Target: 50, Waiting: 14}}, 20, 20, 1, 0},
		{"queue empties first", []poolSample{{At: ms10(10), Target: 5}, {At: ms10(11), Target: 5, Waiting: 40},
			{At: ms10(13), Target: 20}, {At: ms10(15), Target: 60}}, 30, 50, 1, 1},
		{"neither before the end", []poolSample{{At: ms10(10), Target: 5, Waiting: 3}, {At: ms10(200), Target: 50}}, 1000, 1000, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Metrics{}
			putReach(m, tc.samples, ms10(10), ms10(110), 50)
			if m["demand_met_ms"] != tc.wantMet || m["target_reach_ms"] != tc.wantReach ||
				m["target_reached"] != tc.wantReached || m["queue_emptied"] != tc.wantEmptid {
				t.Errorf("metrics = %v, want demand_met_ms %v target_reach_ms %v target_reached %v queue_emptied %v",
					m, tc.wantMet, tc.wantReach, tc.wantReached, tc.wantEmptid)
			}
		})
	}
}
