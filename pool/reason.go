package pool

import "strconv"

// DestroyReason says why a connection was closed; [Stat.Destroyed] counts
// closures per reason.
type DestroyReason int

// Reasons for closing a connection.
const (
	ReasonBroken      DestroyReason = iota // the caller found it unusable
	ReasonInTx                             // released inside a transaction or with session state it cannot shed
	ReasonLifetime                         // older than its (jittered) MaxConnLifetime
	ReasonIdle                             // idle longer than MaxConnIdleTime above MinConns
	ReasonHealthCheck                      // a ping failed
	ReasonShrink                           // above the adaptive target
	ReasonClosed                           // the pool was closed
	ReasonOther                            // any other reason given by the caller
	numReasons
)

var reasonNames = [numReasons]string{"broken", "in-tx", "lifetime", "idle", "health-check", "shrink", "closed", "other"}

// String returns a short lower-case name such as "broken" or "health-check".
func (r DestroyReason) String() string {
	if r < 0 || r >= numReasons {
		return "DestroyReason(" + strconv.Itoa(int(r)) + ")"
	}
	return reasonNames[r]
}

// index maps r to a counter slot; unknown reasons count as ReasonOther.
func (r DestroyReason) index() int {
	if r < 0 || r >= numReasons {
		return int(ReasonOther)
	}
	return int(r)
}
