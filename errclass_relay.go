package tursopooled

import "github.com/turso-pooled/tursopooled/internal/relay"

// relayFailure returns the outcome of err when it is the upstream's report
// of a request that the connector's relay rl saw fail (see errclass.go).
func relayFailure(err error, rl *relay.Relay) (outcome, bool) {
	if rl == nil {
		return outcome{}, false
	}
	f, ok := rl.Failure(err)
	if !ok {
		return outcome{}, false
	}
	return relayOutcome(f), true
}

// relayOutcome translates the relay's record of a request that did not get
// the server's 200. The upstream closed its stream after any such answer.
func relayOutcome(f *relay.Failure) outcome {
	if f.Status == 0 {
		return outcome{broken: true, notRun: !f.Written, err: &transportError{Written: f.Written, Err: f.Err}}
	}
	se := &ServerError{Status: f.Status, Code: f.Code, Message: f.Message}
	return outcome{broken: true, notRun: se.refusedWhole(), auth: se.authFailed(), err: se}
}
