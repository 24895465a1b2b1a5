package tursopooled

import (
	"errors"
	"testing"

	"github.com/turso-pooled/tursopooled/sqlclass"
)

// step is one statement run on a session and whether it failed.
type step struct {
	sql    string
	failed bool
}

func TestSessionTracking(t *testing.T) {
	fail := errors.New("failed")
	tests := []struct {
		name      string
		steps     []step
		inTx      bool
		dirty     bool
		endedLast int // writes returned as ended by the last step
	}{
		{"autocommit insert", []step{{"INSERT INTO t VALUES (1)", false}}, false, false, 0},
		{"begin", []step{{"BEGIN", false}}, true, false, 0},
		{"begin immediate, commit", []step{{"BEGIN IMMEDIATE", false}, {"INSERT INTO t VALUES (1)", false}, {"COMMIT", false}}, false, false, 1},
		{"end transaction", []step{{"BEGIN", false}, {"UPDATE t SET v = 1", false}, {"END TRANSACTION", false}}, false, false, 1},
		{"rollback", []step{{"BEGIN", false}, {"DELETE FROM t", false}, {"rollback", false}}, false, false, 1},
		{"failed begin changes nothing", []step{{"BEGIN", true}}, false, false, 0},
		{"failed commit: unknown", []step{{"BEGIN", false}, {"COMMIT", true}}, true, false, 0},
		{"savepoint opens", []step{{"SAVEPOINT a", false}}, true, false, 0},
		{"release outermost commits", []step{{"SAVEPOINT a", false}, {"INSERT INTO t VALUES (1)", false}, {"RELEASE a", false}}, false, false, 1},
		{"release savepoint keyword", []step{{"SAVEPOINT a", false}, {"RELEASE SAVEPOINT \"A\"", false}}, false, false, 0},
		{"release inner keeps outer", []step{{"SAVEPOINT a", false}, {"SAVEPOINT b", false}, {"RELEASE b", false}}, true, false, 0},
		{"release outer pops inner", []step{{"SAVEPOINT a", false}, {"SAVEPOINT b", false}, {"RELEASE a", false}}, false, false, 0},
		{"rollback to keeps the savepoint", []step{{"SAVEPOINT a", false}, {"ROLLBACK TO a", false}}, true, false, 0},
		{"rollback transaction to savepoint", []step{{"SAVEPOINT a", false}, {"SAVEPOINT b", false}, {"ROLLBACK TRANSACTION TO SAVEPOINT a", false}, {"RELEASE a", false}}, false, false, 0},
		{"savepoint inside begin", []step{{"BEGIN", false}, {"SAVEPOINT a", false}, {"RELEASE a", false}}, true, false, 0},
		{"release of an unknown savepoint that succeeded", []step{{"BEGIN", false}, {"RELEASE x", false}}, true, false, 0},
		{"one string begin and commit", []step{{"BEGIN; INSERT INTO t VALUES (1); COMMIT", false}}, false, false, 0},
		{"one string leaves it open", []step{{"INSERT INTO t VALUES (1); BEGIN; INSERT INTO t VALUES (2)", false}}, true, false, 0},
		{"failed string with tx control: unknown", []step{{"BEGIN; INSERT INTO t VALUES (1); COMMIT", true}}, true, false, 0},
		{"temp table", []step{{"CREATE TEMP TABLE kv (k, v)", false}}, false, true, 0},
		{"temp qualifier", []step{{"CREATE TABLE temp.kv (k, v)", false}}, false, true, 0},
		{"temporary view", []step{{"CREATE TEMPORARY VIEW v AS SELECT 1", false}}, false, true, 0},
		{"failed temp table", []step{{"CREATE TEMP TABLE kv (k, v)", true}}, false, false, 0},
		{"main table is not session state", []step{{"CREATE TABLE kv (k, v)", false}}, false, false, 0},
		{"attach", []step{{"ATTACH DATABASE ':memory:' AS aux", false}}, false, true, 0},
		{"pragma set", []step{{"PRAGMA query_only = 1", false}}, false, true, 0},
		{"pragma call form", []step{{"PRAGMA foreign_keys(ON)", false}}, false, true, 0},
		{"pragma read", []step{{"PRAGMA foreign_keys", false}}, false, false, 0},
		{"pragma table_info", []step{{"PRAGMA table_info(kv)", false}}, false, false, 0},
		{"unknown statement", []step{{"FROBNICATE everything", false}}, false, true, 0},
		{"explain begin", []step{{"EXPLAIN BEGIN", false}}, false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s session
			var ended []txWrite
			for _, st := range tt.steps {
				var err error
				if st.failed {
					err = fail
				}
				stmt := &statement{sql: st.sql, info: sqlclass.Classify(st.sql)}
				ended = s.apply(stmt, err)
				s.noteWrite(txWrite{st: stmt})
			}
			if s.inTx() != tt.inTx || s.dirty != tt.dirty {
				t.Errorf("inTx=%v dirty=%v, want %v %v (session %+v)", s.inTx(), s.dirty, tt.inTx, tt.dirty, s)
			}
			if len(ended) != tt.endedLast {
				t.Errorf("the last step ended %d writes, want %d", len(ended), tt.endedLast)
			}
			if s.clean() != (!tt.inTx && !tt.dirty) {
				t.Errorf("clean() = %v", s.clean())
			}
		})
	}
}

func TestSessionBeginTxEnd(t *testing.T) {
	var s session
	s.begin()
	upd := &statement{sql: "UPDATE t SET v = 1", info: sqlclass.Classify("UPDATE t SET v = 1")}
	s.apply(upd, nil)
	s.noteWrite(txWrite{st: upd})
	if w := s.end(nil); len(w) != 1 || w[0].st != upd {
		t.Fatalf("end returned %v, want the UPDATE", w)
	}
	if !s.clean() {
		t.Fatalf("session not clean after a committed transaction: %+v", s)
	}
	s.begin()
	s.end(errors.New("commit failed"))
	if !s.inTx() {
		t.Fatal("a failed COMMIT must leave the transaction state unknown (counted as open)")
	}
	s.reset()
	if !s.clean() {
		t.Fatal("reset must give a clean session")
	}
}
