package tursopooled

import "github.com/turso-pooled/tursopooled/sqlclass"

// session follows the server-side state of one upstream connection that
// outlives a statement: an open transaction with its savepoints, and
// session state a fresh connection would not have (TEMP objects, ATTACHed
// databases, pragmas set). It is followed from what ran: sqlclass reports
// each statement's effect ([sqlclass.Info.Session]) and the outcome decides
// whether it took place. Where the outcome leaves the state unknown (a failed
// COMMIT, a failed string of several statements that controls the
// transaction) the session counts as inside a transaction.
//
// A connection is handed to its next user only when its session is clean:
// over HTTP an unclean session's server stream is closed (the server rolls
// back what it holds and the next request opens a fresh stream, at no extra
// round trip); over WebSocket and for file: databases, where the session is
// the socket or the SQLite connection, the connection is destroyed.
//
// Like its conn, a session is used by one goroutine at a time.
type session struct {
	begun      bool     // BEGIN (or BeginTx) ran, and no COMMIT or ROLLBACK since
	savepoints []string // open savepoints, innermost last, lower-cased
	unknown    bool     // the transaction state could not be followed
	dirty      bool     // TEMP objects, ATTACH or pragmas set since the session began

	// txWrites are the writes made inside the open transaction. Each
	// invalidated the cache when it ran; they invalidate again when the
	// transaction ends, because another connection may have cached the
	// committed value in between.
	txWrites []txWrite
}

// inTx reports whether a transaction may be open.
func (s *session) inTx() bool { return s.begun || len(s.savepoints) > 0 || s.unknown }

// clean reports whether the session is in the state of a fresh connection.
func (s *session) clean() bool { return !s.inTx() && !s.dirty }

// reset forgets everything: the server-side session was replaced.
func (s *session) reset() { *s = session{} }

// begin records a transaction begun through BeginTx.
func (s *session) begin() { s.begun = true }

// end records the end of a BeginTx transaction with outcome err and returns
// its writes. After a failed COMMIT or ROLLBACK the state is unknown.
func (s *session) end(err error) (writes []txWrite) {
	writes, s.txWrites = s.txWrites, nil
	if err != nil {
		s.unknown = true
		return writes
	}
	s.begun, s.savepoints, s.unknown = false, nil, false
	return writes
}

// apply records what statement st did, given its outcome err. It returns
// the writes of a transaction that st ended (to invalidate again), or nil.
func (s *session) apply(st *statement, err error) (ended []txWrite) {
	switch {
	case len(st.info.Session) == 0:
	case err == nil:
		for _, e := range st.info.Session {
			if s.applyEffect(e) {
				ended = append(ended, s.txWrites...)
				s.txWrites = nil
			}
		}
	default:
		s.applyFailed(st)
	}
	return ended
}

// noteWrite keeps w, a write that ran after apply recorded it, when it ran
// inside a transaction.
func (s *session) noteWrite(w txWrite) {
	if w.st.writes() && s.inTx() {
		s.txWrites = append(s.txWrites, w)
	}
}

// applyEffect applies one effect of a statement that succeeded and reports
// whether it ended the transaction.
func (s *session) applyEffect(e sqlclass.Effect) (ended bool) {
	if e.Kind != sqlclass.EffectTx {
		s.dirty = true
		return false
	}
	wasInTx := s.inTx()
	switch e.Tx {
	case sqlclass.TxBegin:
		s.begun = true
	case sqlclass.TxCommit, sqlclass.TxRollback:
		s.begun, s.savepoints, s.unknown = false, nil, false
	case sqlclass.TxSavepoint:
		s.savepoints = append(s.savepoints, e.Savepoint)
	case sqlclass.TxRelease, sqlclass.TxRollbackTo:
		i := lastIndex(s.savepoints, e.Savepoint)
		if i < 0 {
			s.unknown = true // it succeeded, so the server knew a savepoint we did not
			return false
		}
		keep := i
		if e.Tx == sqlclass.TxRollbackTo {
			keep++ // ROLLBACK TO keeps the savepoint itself
		}
		s.savepoints = s.savepoints[:keep]
	}
	return wasInTx && !s.inTx()
}

// applyFailed records a statement with session effects that failed. A
// single statement fails as a whole, except COMMIT and ROLLBACK, after
// which the transaction may or may not be open (a deferred constraint, a
// busy database). Of a failed string of several statements some may have
// run: every effect is assumed.
func (s *session) applyFailed(st *statement) {
	for _, e := range st.info.Session {
		switch {
		case e.Kind == sqlclass.EffectUnknown:
			s.dirty = true
		case st.info.Statements == 1 && e.Kind == sqlclass.EffectTx:
			if e.Tx == sqlclass.TxCommit || e.Tx == sqlclass.TxRollback {
				s.unknown = true
			}
		case st.info.Statements > 1:
			if e.Kind == sqlclass.EffectTx {
				s.unknown = true
			} else {
				s.dirty = true
			}
		}
	}
}

// lastIndex returns the index of the last name in names, or -1. SQLite
// releases or rolls back to the innermost savepoint of that name.
func lastIndex(names []string, name string) int {
	for i := len(names) - 1; i >= 0; i-- {
		if names[i] == name {
			return i
		}
	}
	return -1
}
