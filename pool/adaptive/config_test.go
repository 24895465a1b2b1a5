package adaptive

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestDefaultConfigMatchesPlan(t *testing.T) {
	c := DefaultConfig(5, 50)
	if err := c.Validate(); err != nil {
		t.Fatalf("DefaultConfig(5, 50).Validate() = %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Min", c.Min, 5}, {"Max", c.Max, 50}, {"Interval", c.Interval, time.Second},
		{"UpUtilization", c.UpUtilization, 0.8}, {"UpQueue", c.UpQueue, 10},
		{"UpWait", c.UpWait, 100 * time.Millisecond}, {"UpFactorHigh", c.UpFactorHigh, 2.0},
		{"HighUtilization", c.HighUtilization, 0.9}, {"UpFactorMid", c.UpFactorMid, 1.5},
		{"UpFactorLow", c.UpFactorLow, 1.2}, {"DownUtilization", c.DownUtilization, 0.3},
		{"DownWait", c.DownWait, 10 * time.Millisecond}, {"DownFactor", c.DownFactor, 0.8},
		{"DownStableFor", c.DownStableFor, 5 * time.Second}, {"DownTo", c.DownTo, 0.5},
		{"UpDwell", c.UpDwell, 15 * time.Second}, {"Overload.Hold", c.Overload.Hold, 30 * time.Second},
		{"QueueReactEvery", c.QueueReactEvery, 100 * time.Millisecond},
		{"Overload.Tolerance", c.Overload.Tolerance, 2.0},
		{"Overload.Disabled", c.Overload.Disabled, false},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
	if got := DefaultConfig(0, 10).Min; got != 1 {
		t.Errorf("DefaultConfig(0, 10).Min = %d, want 1", got)
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Config)
		want string // substring of the error; "" means valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"min equals max", func(c *Config) { c.Min, c.Max = 7, 7 }, ""},
		{"overload disabled ignores its fields", func(c *Config) { c.Overload = OverloadConfig{Disabled: true} }, ""},
		{"min zero", func(c *Config) { c.Min = 0 }, "Min 0: accepted ≥ 1"},
		{"max below min", func(c *Config) { c.Max = 4 }, "Max 4: accepted ≥ Min (5)"},
		{"interval zero", func(c *Config) { c.Interval = 0 }, "Interval 0s: accepted > 0"},
		{"up utilization above 1", func(c *Config) { c.UpUtilization = 1.5 }, "UpUtilization 1.5: accepted in (0, 1]"},
		{"up utilization NaN", func(c *Config) { c.UpUtilization = math.NaN() }, "UpUtilization NaN"},
		{"high below up", func(c *Config) { c.HighUtilization = 0.7 }, "HighUtilization 0.7: accepted in [UpUtilization (0.8), 1]"},
		{"negative queue", func(c *Config) { c.UpQueue = -1 }, "UpQueue -1: accepted ≥ 0"},
		{"up wait zero", func(c *Config) { c.UpWait = 0 }, "UpWait 0s: accepted > 0"},
		{"low factor 1", func(c *Config) { c.UpFactorLow = 1 }, "UpFactorLow 1: accepted in (1, 10]"},
		{"mid below low", func(c *Config) { c.UpFactorMid = 1.1 }, "UpFactorMid 1.1: accepted in [UpFactorLow (1.2), 10]"},
		{"high below mid", func(c *Config) { c.UpFactorHigh = 1.4 }, "UpFactorHigh 1.4: accepted in [UpFactorMid (1.5), 10]"},
		{"high factor NaN", func(c *Config) { c.UpFactorHigh = math.NaN() }, "UpFactorHigh NaN"},
		{"down utilization not below up", func(c *Config) { c.DownUtilization = 0.8 }, "DownUtilization 0.8: accepted in [0, UpUtilization (0.8))"},
		{"down wait above up wait", func(c *Config) { c.DownWait = time.Second }, "DownWait 1s: accepted in [0, UpWait (100ms)]"},
		{"down factor 1", func(c *Config) { c.DownFactor = 1 }, "DownFactor 1: accepted in (0, 1)"},
		{"stable shorter than tick", func(c *Config) { c.DownStableFor = 500 * time.Millisecond }, "DownStableFor 500ms: accepted ≥ Interval (1s)"},
		{"negative queue react", func(c *Config) { c.QueueReactEvery = -1 }, "QueueReactEvery -1ns: accepted ≥ 0"},
		{"negative dwell", func(c *Config) { c.UpDwell = -time.Second }, "UpDwell -1s: accepted ≥ 0"},
		{"max dwell below dwell", func(c *Config) { c.MaxUpDwell = time.Second }, "MaxUpDwell 1s: accepted ≥ UpDwell (15s)"},
		{"down-to 0 is the plan's steps", func(c *Config) { c.DownTo = 0 }, ""},
		{"down-to at the down threshold", func(c *Config) { c.DownTo = 0.3 }, "DownTo 0.3: accepted 0 or in (DownUtilization (0.3), UpUtilization (0.8)]"},
		{"down-to above up", func(c *Config) { c.DownTo = 0.9 }, "DownTo 0.9: accepted 0 or in"},
		{"down-to NaN", func(c *Config) { c.DownTo = math.NaN() }, "DownTo NaN"},
		{"negative overload hold", func(c *Config) { c.Overload.Hold = -time.Second }, "Overload.Hold -1s: accepted ≥ 0"},
		{"trend short zero", func(c *Config) { c.TrendShort = 0 }, "TrendShort 0s: accepted > 0"},
		{"trend long not above short", func(c *Config) { c.TrendLong = 5 * time.Second }, "TrendLong 5s: accepted > TrendShort (5s)"},
		{"trend band zero", func(c *Config) { c.TrendBand = 0 }, "TrendBand 0: accepted in (0, 1)"},
		{"tolerance 1", func(c *Config) { c.Overload.Tolerance = 1 }, "Overload.Tolerance 1: accepted in (1, 100]"},
		{"short window zero", func(c *Config) { c.Overload.ShortWindow = 0 }, "Overload.ShortWindow 0s: accepted > 0"},
		{"baseline not above short", func(c *Config) { c.Overload.BaselineWindow = time.Second }, "Overload.BaselineWindow 1s: accepted > Overload.ShortWindow (2s)"},
		{"efficiency zero", func(c *Config) { c.Overload.Efficiency = 0 }, "Overload.Efficiency 0: accepted in (0, 1]"},
		{"shrink every zero", func(c *Config) { c.Overload.ShrinkEvery = 0 }, "Overload.ShrinkEvery 0s: accepted > 0"},
		{"max shrink 1", func(c *Config) { c.Overload.MaxShrink = 1 }, "Overload.MaxShrink 1: accepted in (0, 1)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig(5, 50)
			tc.edit(&c)
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "turso-pooled: adaptive:") {
				t.Errorf("Validate() = %q, want prefix %q and substring %q", err, "turso-pooled: adaptive:", tc.want)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("errors.Is(%v, ErrInvalidConfig) = false", err)
			}
			if p, nerr := New(c); p != nil || nerr == nil {
				t.Errorf("New accepted the invalid config: %v, %v", p, nerr)
			}
		})
	}
}
