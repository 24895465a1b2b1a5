package tursopooled

import (
	"errors"
	"fmt"
)

// ErrConnectorClosed is returned by [Connector.Connect] after
// [Connector.Close] (which db.Close() calls).
var ErrConnectorClosed = errors.New("turso-pooled: connector is closed")

// ConfigError reports a bad DSN parameter or Config field. Its Error names the
// parameter, the value (secrets redacted) and what is accepted.
type ConfigError struct {
	Key      string // the DSN parameter or field, e.g. "pool_max_conns"
	Value    string // the offending value; "REDACTED" for secrets
	Accepted string // what a valid value looks like
	Err      error  // the underlying parse error, if any
}

// Error implements error.
func (e *ConfigError) Error() string {
	msg := fmt.Sprintf("turso-pooled: invalid %s=%s: want %s", e.Key, e.Value, e.Accepted)
	if e.Err != nil {
		msg += " (" + e.Err.Error() + ")"
	}
	return msg
}

// Unwrap returns the underlying parse error.
func (e *ConfigError) Unwrap() error { return e.Err }

var errNamedUnsupported = errors.New("turso-pooled: the upstream statement does not support named parameters")
