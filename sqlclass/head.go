package sqlclass

import sp "github.com/tursodatabase/libsql-client-go/sqliteparser"

// head classifies the statement by its leading keyword at i (after EXPLAIN
// and a WITH clause) and records write targets.
func (s *stmt) head(i int) {
	switch s.typ(i) {
	case sp.SQLiteLexerSELECT_, sp.SQLiteLexerVALUES_:
		s.kind = kindRead
	case sp.SQLiteLexerINSERT_, sp.SQLiteLexerREPLACE_:
		s.kind = kindWrite
		s.insert(i)
	case sp.SQLiteLexerUPDATE_:
		s.kind = kindWrite
		j := s.skipOr(i + 1)
		s.consume(i, j)
		s.target(j)
	case sp.SQLiteLexerDELETE_:
		s.kind = kindWrite
		j := s.skipIf(i+1, sp.SQLiteLexerFROM_)
		s.consume(i, j)
		s.target(j)
	case sp.SQLiteLexerCREATE_:
		s.kind = kindDDL
		s.create(i + 1)
	case sp.SQLiteLexerDROP_:
		s.kind = kindDDL
		s.drop(i + 1)
	case sp.SQLiteLexerALTER_:
		s.kind = kindDDL
		s.alter(i + 1)
	case sp.SQLiteLexerREINDEX_, sp.SQLiteLexerVACUUM_, sp.SQLiteLexerANALYZE_:
		s.kind = kindDDL
	case sp.SQLiteLexerPRAGMA_:
		s.kind, s.writesUnknown = kindPragma, true
	case sp.SQLiteLexerATTACH_, sp.SQLiteLexerDETACH_:
		s.kind, s.writesUnknown = kindAttach, true
	case sp.SQLiteLexerBEGIN_:
		s.kind, s.tx = kindTx, TxBegin
	case sp.SQLiteLexerCOMMIT_, sp.SQLiteLexerEND_:
		s.kind, s.tx = kindTx, TxCommit
	case sp.SQLiteLexerROLLBACK_:
		s.kind, s.tx = kindTx, TxRollback
		for j := i + 1; j < len(s.toks); j++ {
			if s.typ(j) == sp.SQLiteLexerTO_ {
				s.tx = TxRollbackTo
			}
		}
	case sp.SQLiteLexerSAVEPOINT_:
		s.kind, s.tx = kindTx, TxSavepoint
	case sp.SQLiteLexerRELEASE_:
		s.kind, s.tx = kindTx, TxRelease
	default:
		s.kind, s.writesUnknown, s.unsure = kindUnknown, true, true
	}
}

// skipOr skips "OR <conflict-resolution>" at i.
func (s *stmt) skipOr(i int) int {
	if s.typ(i) == sp.SQLiteLexerOR_ {
		return i + 2
	}
	return i
}

// insert handles INSERT [OR x] INTO t [AS a] [(cols)] and REPLACE INTO t ...
func (s *stmt) insert(i int) {
	j := s.skipOr(i + 1)
	if s.typ(j) != sp.SQLiteLexerINTO_ {
		s.writesUnknown, s.unsure = true, true
		return
	}
	s.consume(i, j+1)
	j = s.target(j + 1)
	if s.typ(j) == sp.SQLiteLexerAS_ {
		s.consume(j, j+2)
		j += 2
	}
	if s.typ(j) == tOpen && s.match[j] > j { // column list, not a function call
		s.consume(j, s.match[j]+1)
	}
}

// create handles CREATE [TEMP] [UNIQUE|VIRTUAL] TABLE|INDEX|VIEW|TRIGGER.
func (s *stmt) create(i int) {
	for s.typ(i) == sp.SQLiteLexerTEMP_ || s.typ(i) == sp.SQLiteLexerTEMPORARY_ ||
		s.typ(i) == sp.SQLiteLexerUNIQUE_ || s.typ(i) == sp.SQLiteLexerVIRTUAL_ {
		i++
	}
	obj := s.typ(i)
	j := s.skipIf(i+1, sp.SQLiteLexerIF_, sp.SQLiteLexerNOT_, sp.SQLiteLexerEXISTS_)
	s.consume(0, j)
	switch obj {
	case sp.SQLiteLexerTABLE_, sp.SQLiteLexerVIEW_:
		j = s.target(j)
		if s.typ(j) == tOpen && s.match[j] > j && obj == sp.SQLiteLexerVIEW_ {
			s.consume(j, s.match[j]+1) // view column names
		}
	case sp.SQLiteLexerINDEX_:
		_, j, _ = s.qualified(j)
		if s.typ(j) != sp.SQLiteLexerON_ {
			s.writesUnknown, s.unsure = true, true
			return
		}
		s.consume(0, j+1)
		s.target(j + 1)
	case sp.SQLiteLexerTRIGGER_:
		s.trigger(j)
	default:
		s.writesUnknown, s.unsure = true, true
	}
}

// trigger handles the rest of CREATE TRIGGER after its keywords: the table
// it fires on counts as read; the body statements are classified and their
// tables merged. Firing a trigger writes tables no DML statement names, so
// WritesUnknown is set.
func (s *stmt) trigger(i int) {
	s.writesUnknown = true
	s.consume(0, len(s.toks))
	on, begin := -1, -1
	for j := i; j < len(s.toks); j++ {
		if s.typ(j) == sp.SQLiteLexerON_ && on < 0 {
			on = j
		}
		if s.typ(j) == sp.SQLiteLexerBEGIN_ && on >= 0 {
			begin = j
			break
		}
	}
	if on < 0 || begin < 0 || s.typ(len(s.toks)-1) != sp.SQLiteLexerEND_ {
		s.unsure = true
		return
	}
	if name, _, ok := s.qualified(on + 1); ok {
		s.reads = append(s.reads, name)
		s.triggerOn = name
	}
	for _, body := range splitOn(s.toks[begin+1:len(s.toks)-1], tSCOL) {
		b := newStmt(body)
		b.classify()
		s.reads = append(s.reads, b.reads...)
		s.writes = append(s.writes, b.writes...)
		s.nondet = s.nondet || b.nondet
		s.unsure = s.unsure || b.unsure
	}
}

// drop handles DROP TABLE|VIEW|INDEX|TRIGGER [IF EXISTS] name.
func (s *stmt) drop(i int) {
	obj := s.typ(i)
	j := s.skipIf(i+1, sp.SQLiteLexerIF_, sp.SQLiteLexerEXISTS_)
	switch obj {
	case sp.SQLiteLexerTABLE_, sp.SQLiteLexerVIEW_:
		s.target(j)
	default: // the table of an index or trigger is not named
		s.writesUnknown = true
	}
}

// alter handles ALTER TABLE t {RENAME TO n | RENAME [COLUMN] a TO b | ADD ... | DROP ...}.
func (s *stmt) alter(i int) {
	if s.typ(i) != sp.SQLiteLexerTABLE_ {
		s.writesUnknown, s.unsure = true, true
		return
	}
	j := s.target(i + 1)
	if s.typ(j) == sp.SQLiteLexerRENAME_ && s.typ(j+1) == sp.SQLiteLexerTO_ {
		s.target(j + 2)
	}
}

// splitOn splits toks at tokens of type sep, dropping empty parts.
func splitOn(toks []token, sep int) [][]token {
	var parts [][]token
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i == len(toks) || toks[i].typ == sep {
			if i > start {
				parts = append(parts, toks[start:i])
			}
			start = i + 1
		}
	}
	return parts
}
