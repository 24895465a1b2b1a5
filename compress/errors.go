package compress

import "errors"

// ErrInvalidConfig is wrapped by the error [New] returns for an invalid [Config].
var ErrInvalidConfig = errors.New("compress: invalid config")
