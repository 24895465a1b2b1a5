package adaptive

import (
	"errors"
	"fmt"
)

// ErrInvalidConfig is wrapped by every error of [Config.Validate] and [New];
// test for it with [errors.Is].
var ErrInvalidConfig = errors.New("turso-pooled: adaptive: invalid config")

// invalid reports that field holds value, and what is accepted instead.
func invalid(field string, value any, accepted string) error {
	return fmt.Errorf("%w: %s %v: accepted %s", ErrInvalidConfig, field, value, accepted)
}

// Validate reports the first field of c that is out of range, naming the
// field, its value and the accepted range; nil means c is usable by [New].
// Comparisons are written so that NaN factors are rejected.
func (c Config) Validate() error {
	switch {
	case c.Min < 1:
		return invalid("Min", c.Min, "≥ 1")
	case c.Max < c.Min:
		return invalid("Max", c.Max, fmt.Sprintf("≥ Min (%d)", c.Min))
	case c.Interval <= 0:
		return invalid("Interval", c.Interval, "> 0")
	case !(c.UpUtilization > 0 && c.UpUtilization <= 1):
		return invalid("UpUtilization", c.UpUtilization, "in (0, 1]")
	case !(c.HighUtilization >= c.UpUtilization && c.HighUtilization <= 1):
		return invalid("HighUtilization", c.HighUtilization, fmt.Sprintf("in [UpUtilization (%g), 1]", c.UpUtilization))
	case c.UpQueue < 0:
		return invalid("UpQueue", c.UpQueue, "≥ 0")
	case c.UpWait <= 0:
		return invalid("UpWait", c.UpWait, "> 0")
	case !(c.UpFactorLow > 1 && c.UpFactorLow <= 10):
		return invalid("UpFactorLow", c.UpFactorLow, "in (1, 10]")
	case !(c.UpFactorMid >= c.UpFactorLow && c.UpFactorMid <= 10):
		return invalid("UpFactorMid", c.UpFactorMid, fmt.Sprintf("in [UpFactorLow (%g), 10]", c.UpFactorLow))
	case !(c.UpFactorHigh >= c.UpFactorMid && c.UpFactorHigh <= 10):
		return invalid("UpFactorHigh", c.UpFactorHigh, fmt.Sprintf("in [UpFactorMid (%g), 10]", c.UpFactorMid))
	case !(c.DownUtilization >= 0 && c.DownUtilization < c.UpUtilization):
		return invalid("DownUtilization", c.DownUtilization, fmt.Sprintf("in [0, UpUtilization (%g))", c.UpUtilization))
	case c.DownWait < 0 || c.DownWait > c.UpWait:
		return invalid("DownWait", c.DownWait, fmt.Sprintf("in [0, UpWait (%v)]", c.UpWait))
	case !(c.DownFactor > 0 && c.DownFactor < 1):
		return invalid("DownFactor", c.DownFactor, "in (0, 1)")
	case !(c.DownTo == 0 || (c.DownTo > c.DownUtilization && c.DownTo <= c.UpUtilization)):
		return invalid("DownTo", c.DownTo, fmt.Sprintf("0 or in (DownUtilization (%g), UpUtilization (%g)]", c.DownUtilization, c.UpUtilization))
	case c.DownStableFor < c.Interval:
		return invalid("DownStableFor", c.DownStableFor, fmt.Sprintf("≥ Interval (%v)", c.Interval))
	case c.QueueReactEvery < 0:
		return invalid("QueueReactEvery", c.QueueReactEvery, "≥ 0")
	case c.UpDwell < 0:
		return invalid("UpDwell", c.UpDwell, "≥ 0")
	case c.MaxUpDwell < c.UpDwell:
		return invalid("MaxUpDwell", c.MaxUpDwell, fmt.Sprintf("≥ UpDwell (%v)", c.UpDwell))
	case c.TrendShort <= 0:
		return invalid("TrendShort", c.TrendShort, "> 0")
	case c.TrendLong <= c.TrendShort:
		return invalid("TrendLong", c.TrendLong, fmt.Sprintf("> TrendShort (%v)", c.TrendShort))
	case !(c.TrendBand > 0 && c.TrendBand < 1):
		return invalid("TrendBand", c.TrendBand, "in (0, 1)")
	}
	return c.Overload.validate()
}

// validate checks the guard's fields; nothing is checked when it is disabled.
func (o OverloadConfig) validate() error {
	switch {
	case o.Disabled:
		return nil
	case !(o.Tolerance > 1 && o.Tolerance <= 100):
		return invalid("Overload.Tolerance", o.Tolerance, "in (1, 100]")
	case o.ShortWindow <= 0:
		return invalid("Overload.ShortWindow", o.ShortWindow, "> 0")
	case o.BaselineWindow <= o.ShortWindow:
		return invalid("Overload.BaselineWindow", o.BaselineWindow, fmt.Sprintf("> Overload.ShortWindow (%v)", o.ShortWindow))
	case !(o.Efficiency > 0 && o.Efficiency <= 1):
		return invalid("Overload.Efficiency", o.Efficiency, "in (0, 1]")
	case o.ShrinkEvery <= 0:
		return invalid("Overload.ShrinkEvery", o.ShrinkEvery, "> 0")
	case !(o.MaxShrink > 0 && o.MaxShrink < 1):
		return invalid("Overload.MaxShrink", o.MaxShrink, "in (0, 1)")
	case o.Hold < 0:
		return invalid("Overload.Hold", o.Hold, "≥ 0")
	}
	return nil
}
