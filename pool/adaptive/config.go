package adaptive

import "time"

// Defaults of [Config]. The first group is the plan's baseline policy; the
// second group is what this package adds on top of it. [DefaultConfig] uses
// them; doc.go explains each choice.
const (
	DefaultMin             = 5                      // plan: lower bound of the limit
	DefaultMax             = 50                     // plan: upper bound of the limit
	DefaultInterval        = time.Second            // plan: evaluation tick
	DefaultUpUtilization   = 0.8                    // plan: grow above this utilization
	DefaultUpQueue         = 10                     // plan: grow above this many waiters
	DefaultUpWait          = 100 * time.Millisecond // plan: grow above this average wait
	DefaultHighUtilization = 0.9                    // plan: ×2.0 above this utilization
	DefaultUpFactorHigh    = 2.0                    // plan
	DefaultUpFactorMid     = 1.5                    // plan
	DefaultUpFactorLow     = 1.2                    // plan
	DefaultDownUtilization = 0.3                    // plan: shrink below this utilization
	DefaultDownWait        = 10 * time.Millisecond  // plan: ... and below this average wait
	DefaultDownFactor      = 0.8                    // plan

	DefaultDownStableFor   = 5 * time.Second        // hysteresis before (and between) down-steps
	DefaultDownTo          = 0.5                    // a down-step aims for this utilization of the recent peak
	DefaultQueueReactEvery = 100 * time.Millisecond // minimum spacing of up-steps
	DefaultUpDwell         = 15 * time.Second       // no down-step this soon after an up-step
	DefaultMaxUpDwell      = 5 * time.Minute        // cap of the dwell after repeated reversals
	DefaultTrendShort      = 5 * time.Second        // time constant of the short request-rate average
	DefaultTrendLong       = time.Minute            // time constant of the long request-rate average
	DefaultTrendBand       = 0.1                    // ±10 % between the averages counts as stable

	DefaultOverloadTolerance      = 2.0              // overloaded when p50 ≥ 2 × baseline
	DefaultOverloadBaselineWindow = 5 * time.Minute  // drift time constant of the latency baseline
	DefaultOverloadShortWindow    = 2 * time.Second  // smoothing of p50 and op rate
	DefaultOverloadEfficiency     = 0.75             // throughput must keep 75 % pace with latency/limit
	DefaultOverloadShrinkEvery    = 5 * time.Second  // minimum spacing of overload shrink steps
	DefaultOverloadMaxShrink      = 0.5              // one overload step keeps at least half the limit
	DefaultOverloadHold           = 30 * time.Second // no growth this long after an overload shrink
)

// Config parameterises a [Policy]. Every field must be set; start from
// [DefaultConfig] and change what you need, then let [New] (or
// [Config.Validate]) check it. Durations are wall-clock durations compared
// with [Sample.Now]; utilizations are fractions of the current limit in
// [0, 1]; factors multiply the current limit.
type Config struct {
	// Min is the lowest limit the policy ever returns (plan: 5; at least 1).
	Min int
	// Max is the highest limit the policy ever returns (plan: 50).
	Max int
	// Interval is how often the pool calls [Policy.Evaluate] (plan: 1s).
	// The policy does not run a timer itself; it uses Interval only to
	// validate that DownStableFor spans at least one tick.
	Interval time.Duration

	// UpUtilization: grow when InUse/limit exceeds it (plan: 0.8).
	UpUtilization float64
	// UpQueue: grow when more than this many acquirers wait (plan: 10).
	UpQueue int
	// UpWait: grow when the recent average acquire wait exceeds it (plan: 100ms).
	UpWait time.Duration
	// UpFactorHigh multiplies the limit when utilization > HighUtilization (plan: 2.0).
	UpFactorHigh float64
	// HighUtilization separates UpFactorHigh from UpFactorMid (plan: 0.9).
	HighUtilization float64
	// UpFactorMid multiplies the limit when utilization > UpUtilization (plan: 1.5).
	UpFactorMid float64
	// UpFactorLow multiplies the limit when growth was triggered by the queue
	// or the wait alone (plan: 1.2).
	UpFactorLow float64

	// DownUtilization: shrink only while utilization stays below it (plan: 0.3).
	DownUtilization float64
	// DownWait: shrink only while the average acquire wait stays below it (plan: 10ms).
	DownWait time.Duration
	// DownFactor multiplies the limit on a down-step (plan: 0.8).
	DownFactor float64
	// DownStableFor is how long the down conditions must hold without a break
	// before a down-step, and the minimum spacing of down-steps (default 5s).
	DownStableFor time.Duration
	// DownTo sizes down-steps by demand (default 0.5): a down-step goes to
	// ceil(peak / DownTo), where peak is the highest number of connections
	// in use while the down conditions held, and there is no step when that
	// is not below the limit. The limit then sits at twice the recent peak,
	// inside the band where neither rule fires, in one step however far the
	// demand fell. 0 keeps the plan's fixed ×DownFactor steps (DownFactor is
	// used only then). Accepted: 0 or in (DownUtilization, UpUtilization].
	DownTo float64
	// QueueReactEvery is the minimum spacing of up-steps, whether they come
	// from [Policy.OnQueue] or from [Policy.Evaluate] (default 100ms).
	QueueReactEvery time.Duration
	// UpDwell is the minimum time between an up-step and the next down-step
	// (default 15s). Each reversal (an up-step that comes less than
	// MaxUpDwell after a down-step) doubles the dwell, up to MaxUpDwell; it
	// returns to UpDwell only when an up-step comes MaxUpDwell or more after
	// the last down-step.
	UpDwell time.Duration
	// MaxUpDwell caps the doubled dwell (default 5m).
	MaxUpDwell time.Duration

	// TrendShort is the time constant of the short moving average of the
	// acquire rate (default 5s).
	TrendShort time.Duration
	// TrendLong is the time constant of the long moving average of the
	// acquire rate (default 1m); it must exceed TrendShort.
	TrendLong time.Duration
	// TrendBand is the relative gap between the two averages below which the
	// trend is stable (default 0.1, i.e. ±10 %).
	TrendBand float64

	// Overload configures the server-overload guard.
	Overload OverloadConfig
}

// OverloadConfig parameterises the server-overload guard of a [Policy]
// (see doc.go): it compares the short-term median operation latency with a
// slowly drifting long-term baseline and stops growth, then shrinks the
// limit, when latency rises without throughput keeping pace.
type OverloadConfig struct {
	// Disabled turns the guard off; the other fields are then ignored.
	Disabled bool
	// Tolerance is how many times the baseline the smoothed p50 may reach
	// before the server counts as overloaded (default 2.0, must be > 1).
	// The gradient threshold is 1/Tolerance.
	Tolerance float64
	// BaselineWindow is how far back the baseline looks (default 5m): the
	// baseline is the lowest smoothed p50 of the last BaselineWindow, so it
	// drops at once to a lower p50 and a lasting rise becomes the new
	// baseline after at most BaselineWindow.
	BaselineWindow time.Duration
	// ShortWindow is the time constant of the moving averages of the
	// sampled p50 and of the operation rate (default 2s).
	ShortWindow time.Duration
	// Efficiency in (0, 1] excuses a latency rise: when the op rate grew at
	// least Efficiency × max(latency growth, limit growth) since latency was
	// last near its baseline, the server is busier but keeping up (default 0.75).
	Efficiency float64
	// ShrinkEvery is the minimum spacing of overload shrink steps (default 5s).
	ShrinkEvery time.Duration
	// MaxShrink in (0, 1) is the smallest fraction of the limit that one
	// overload step keeps (default 0.5): the step goes to
	// limit × max(gradient, MaxShrink), never below Min.
	MaxShrink float64
	// Hold is the minimum time after an overload shrink before the limit
	// may grow again (default 30s; the current dwell when that is longer),
	// so that an overloaded server is not probed by a regrowth every few
	// seconds.
	Hold time.Duration
}

// DefaultConfig returns the plan's policy for limits between min and max,
// with this package's defaults for everything the plan did not specify.
// A min below 1 becomes 1: the adaptive limit never drops to zero
// connections. The result still needs [Config.Validate] (max < min is
// reported there).
func DefaultConfig(min, max int) Config {
	if min < 1 {
		min = 1
	}
	return Config{
		Min:             min,
		Max:             max,
		Interval:        DefaultInterval,
		UpUtilization:   DefaultUpUtilization,
		UpQueue:         DefaultUpQueue,
		UpWait:          DefaultUpWait,
		UpFactorHigh:    DefaultUpFactorHigh,
		HighUtilization: DefaultHighUtilization,
		UpFactorMid:     DefaultUpFactorMid,
		UpFactorLow:     DefaultUpFactorLow,
		DownUtilization: DefaultDownUtilization,
		DownWait:        DefaultDownWait,
		DownFactor:      DefaultDownFactor,
		DownStableFor:   DefaultDownStableFor,
		DownTo:          DefaultDownTo,
		QueueReactEvery: DefaultQueueReactEvery,
		UpDwell:         DefaultUpDwell,
		MaxUpDwell:      DefaultMaxUpDwell,
		TrendShort:      DefaultTrendShort,
		TrendLong:       DefaultTrendLong,
		TrendBand:       DefaultTrendBand,
		Overload: OverloadConfig{
			Tolerance:      DefaultOverloadTolerance,
			BaselineWindow: DefaultOverloadBaselineWindow,
			ShortWindow:    DefaultOverloadShortWindow,
			Efficiency:     DefaultOverloadEfficiency,
			ShrinkEvery:    DefaultOverloadShrinkEvery,
			MaxShrink:      DefaultOverloadMaxShrink,
			Hold:           DefaultOverloadHold,
		},
	}
}
