package compress

import (
	"errors"
	"fmt"
)

// ErrInvalidConfig is wrapped by the error [New] returns for an invalid [Config].
var ErrInvalidConfig = errors.New("compress: invalid config")

// ErrTooLarge is wrapped by a [*TooLargeError]: a frame declared an original
// length above [Config.MaxDecodedBytes], so it was not decoded.
var ErrTooLarge = errors.New("compress: frame too large")

// TooLargeError is returned by [Codec.Decode] for a frame whose declared
// original length exceeds the limit. Nothing of that size was allocated.
// errors.Is(err, ErrTooLarge) reports true for it.
type TooLargeError struct {
	// Declared is the original length, in bytes, the frame declares.
	Declared int64
	// Limit is the [Config.MaxDecodedBytes] in effect.
	Limit int64
}

// Error describes the sizes involved.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("compress: frame declares %d decoded bytes, above MaxDecodedBytes %d (accepted 0 to %d)", e.Declared, e.Limit, e.Limit)
}

// Unwrap returns [ErrTooLarge].
func (e *TooLargeError) Unwrap() error { return ErrTooLarge }
