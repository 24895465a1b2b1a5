package sqlclass

import (
	"strings"

	sp "github.com/tursodatabase/libsql-client-go/sqliteparser"
)

// FKAction is what a foreign key does to the child rows when their parent
// row is deleted or its key updated.
type FKAction uint8

// Foreign-key actions.
const (
	// FKNoAction is NO ACTION (the default): child rows are not changed.
	FKNoAction FKAction = iota
	// FKRestrict is RESTRICT: child rows are not changed.
	FKRestrict
	// FKSetNull is SET NULL.
	FKSetNull
	// FKSetDefault is SET DEFAULT.
	FKSetDefault
	// FKCascade is CASCADE.
	FKCascade
)

// ForeignKey is one REFERENCES clause of a CREATE TABLE statement.
type ForeignKey struct {
	// Parent is the lower-cased, unquoted name of the referenced table.
	Parent string
	// OnDelete and OnUpdate are the actions on the child rows.
	OnDelete, OnUpdate FKAction
}

// WritesChild reports whether a write to the parent can change the child
// table: an action other than NO ACTION or RESTRICT.
func (fk ForeignKey) WritesChild() bool {
	return fk.OnDelete > FKRestrict || fk.OnUpdate > FKRestrict
}

// ForeignKeys returns the foreign keys of a CREATE TABLE statement: every
// REFERENCES clause, in column constraints and FOREIGN KEY table
// constraints, with names quoted in any way SQLite accepts ("Parent
// Table", [Parent Table], `Parent Table`, 'Parent Table'). An action it
// does not recognize counts as CASCADE. ok is false when the text cannot
// be tokenized exactly, or a REFERENCES is not followed by a name: the
// table may then reference any table.
func ForeignKeys(createSQL string) (fks []ForeignKey, ok bool) {
	toks, bad := lex(createSQL)
	if bad {
		return nil, false
	}
	for i := 0; i < len(toks); i++ {
		if toks[i].typ != sp.SQLiteLexerREFERENCES_ {
			continue
		}
		if i+1 >= len(toks) || !toks[i+1].isName() {
			return nil, false
		}
		fk := ForeignKey{Parent: unquote(toks[i+1])}
		j := i + 2
		if j+1 < len(toks) && toks[j].typ == tDOT && toks[j+1].isName() { // not SQLite syntax; be safe
			fk.Parent, j = unquote(toks[j+1]), j+2
		}
		if j < len(toks) && toks[j].typ == tOpen { // the parent's columns
			for j < len(toks) && toks[j].typ != tClose {
				j++
			}
			j++
		}
		j = fkClauses(toks, j, &fk)
		fks = append(fks, fk)
		i = j - 1
	}
	return fks, true
}

// fkClauses reads the clauses that may follow "REFERENCES t (cols)" at j,
// in any order: ON DELETE action, ON UPDATE action, MATCH name, [NOT]
// DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]. It returns the index after
// them. An ON clause it does not recognize counts as CASCADE on both.
func fkClauses(toks []token, j int, fk *ForeignKey) int {
	typ := func(k int) int {
		if k < len(toks) {
			return toks[k].typ
		}
		return -1
	}
	for j < len(toks) {
		switch typ(j) {
		case sp.SQLiteLexerON_:
			act, n := fkAction(toks[min(j+2, len(toks)):])
			switch typ(j + 1) {
			case sp.SQLiteLexerDELETE_:
				fk.OnDelete = act
			case sp.SQLiteLexerUPDATE_:
				fk.OnUpdate = act
			default:
				fk.OnDelete, fk.OnUpdate = FKCascade, FKCascade
			}
			j += 2 + n
		case sp.SQLiteLexerMATCH_:
			j += 2
		case sp.SQLiteLexerNOT_, sp.SQLiteLexerDEFERRABLE_, sp.SQLiteLexerINITIALLY_,
			sp.SQLiteLexerDEFERRED_, sp.SQLiteLexerIMMEDIATE_:
			j++
		default:
			return j
		}
	}
	return j
}

// fkAction reads the action at the start of toks and the number of tokens
// it takes.
func fkAction(toks []token) (FKAction, int) {
	typ := func(k int) int {
		if k < len(toks) {
			return toks[k].typ
		}
		return -1
	}
	switch {
	case typ(0) == sp.SQLiteLexerNO_ && typ(1) == sp.SQLiteLexerACTION_:
		return FKNoAction, 2
	case typ(0) == sp.SQLiteLexerRESTRICT_:
		return FKRestrict, 1
	case typ(0) == sp.SQLiteLexerSET_ && typ(1) == sp.SQLiteLexerNULL_:
		return FKSetNull, 2
	case typ(0) == sp.SQLiteLexerSET_ && typ(1) == sp.SQLiteLexerDEFAULT_:
		return FKSetDefault, 2
	case typ(0) == sp.SQLiteLexerCASCADE_:
		return FKCascade, 1
	}
	return FKCascade, 1
}

// Trigger is what a CREATE TRIGGER statement's body does when it fires.
type Trigger struct {
	// Table is the lower-cased table (or view) the trigger fires on.
	Table string
	// Reads and Writes are the lower-cased tables its body reads and writes.
	Reads, Writes []string
}

// ParseTrigger reads a CREATE TRIGGER statement as SQLite keeps it in
// sqlite_schema.sql. ok is false for anything else and for a body the
// classifier does not fully understand: the trigger may then write any
// table.
func ParseTrigger(sql string) (Trigger, bool) {
	toks, bad := lex(sql)
	if bad {
		return Trigger{}, false
	}
	parts := splitStatements(toks)
	if len(parts) != 1 || !isCreateTrigger(parts[0]) || parts[0][0].typ == sp.SQLiteLexerEXPLAIN_ {
		return Trigger{}, false
	}
	s := newStmt(parts[0])
	s.classify()
	if s.unsure || s.triggerOn == "" {
		return Trigger{}, false
	}
	return Trigger{Table: s.triggerOn, Reads: sortedSet(s.reads), Writes: sortedSet(s.writes)}, true
}

// ViewBody returns the SELECT of a CREATE VIEW statement, re-spelled from
// its tokens (comments dropped), for classifying the view's body as a
// statement of its own; false when sql is not one CREATE VIEW that the
// lexer reads.
func ViewBody(sql string) (string, bool) {
	toks, bad := lex(sql)
	if bad {
		return "", false
	}
	parts := splitStatements(toks)
	if len(parts) != 1 {
		return "", false
	}
	p := parts[0]
	if len(p) < 4 || p[0].typ != sp.SQLiteLexerCREATE_ {
		return "", false
	}
	i := 1
	if p[i].typ == sp.SQLiteLexerTEMP_ || p[i].typ == sp.SQLiteLexerTEMPORARY_ {
		i++
	}
	if p[i].typ != sp.SQLiteLexerVIEW_ {
		return "", false
	}
	depth := 0
	for i++; i < len(p); i++ {
		switch p[i].typ {
		case tOpen:
			depth++
		case tClose:
			depth--
		case sp.SQLiteLexerAS_:
			if depth == 0 && i+1 < len(p) {
				words := make([]string, 0, len(p)-i-1)
				for _, t := range p[i+1:] {
					words = append(words, t.text)
				}
				return strings.Join(words, " "), true
			}
		}
	}
	return "", false
}
