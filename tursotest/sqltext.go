package tursotest

import (
	"strconv"
	"strings"
)

// sqlStmt is one statement found in an SQL text by splitSQL.
type sqlStmt struct {
	// text is the statement, without the terminating semicolon.
	text string
	// params holds the name of every SQLite parameter slot, by index - 1:
	// "" for an anonymous "?", "?NNN" for a numbered one, ":a", "@a" or
	// "$a" for a named one (with its prefix, as sqlite3_bind_parameter_name).
	params []string
	// keywords holds the statement's keywords in upper case, in order,
	// outside strings, quoted identifiers and comments.
	keywords []string
}

// firstKeyword returns the statement's first keyword in upper case, or "".
func (s *sqlStmt) firstKeyword() string {
	if len(s.keywords) == 0 {
		return ""
	}
	return s.keywords[0]
}

// isExplain reports whether the statement is an EXPLAIN statement.
func (s *sqlStmt) isExplain() bool { return s.firstKeyword() == "EXPLAIN" }

// isReadOnly reports whether the statement cannot change the database. It is
// a conservative approximation of sqlite3_stmt_readonly: SELECT, VALUES and
// EXPLAIN statements, and WITH statements without a writing keyword.
func (s *sqlStmt) isReadOnly() bool {
	switch s.firstKeyword() {
	case "SELECT", "VALUES", "EXPLAIN":
		return true
	case "WITH":
		for _, k := range s.keywords {
			switch k {
			case "INSERT", "UPDATE", "DELETE", "REPLACE":
				return false
			}
		}
		return true
	}
	return false
}

// tokenKind classifies a token for splitSQL.
type tokenKind int

const (
	tokSpace tokenKind = iota // whitespace or comment
	tokSemi                   // ;
	tokWord                   // keyword or bare identifier
	tokParam                  // bind parameter
	tokOther                  // anything else: literals, quoted names, operators
)

// nextToken returns the kind and length of the token at the start of s,
// which must not be empty. It follows SQLite's tokenizer closely enough to
// find statement boundaries and bind parameters: unterminated strings and
// comments run to the end of the text.
func nextToken(s string) (tokenKind, int) {
	c := s[0]
	switch {
	case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
		return tokSpace, 1
	case c == '-' && len(s) > 1 && s[1] == '-':
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			return tokSpace, i + 1
		}
		return tokSpace, len(s)
	case c == '/' && len(s) > 1 && s[1] == '*':
		if i := strings.Index(s[2:], "*/"); i >= 0 {
			return tokSpace, i + 4
		}
		return tokSpace, len(s)
	case c == ';':
		return tokSemi, 1
	case c == '\'' || c == '"' || c == '`':
		return tokOther, quotedLen(s, c)
	case c == '[':
		if i := strings.IndexByte(s, ']'); i >= 0 {
			return tokOther, i + 1
		}
		return tokOther, len(s)
	case c == '?':
		n := 1
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		return tokParam, n
	case c == ':' || c == '@' || c == '$' || c == '#':
		if n := namedParamLen(s); n > 1 {
			return tokParam, n
		}
		return tokOther, 1
	case isIDChar(c) && !(c >= '0' && c <= '9'):
		n := 1
		for n < len(s) && isIDChar(s[n]) {
			n++
		}
		return tokWord, n
	case c >= '0' && c <= '9':
		n := 1
		for n < len(s) && (isIDChar(s[n]) || s[n] == '.') {
			n++
		}
		return tokOther, n
	}
	return tokOther, 1
}

// quotedLen returns the length of the quoted token at the start of s that
// opens with q, where a doubled q stands for itself.
func quotedLen(s string, q byte) int {
	for i := 1; i < len(s); i++ {
		if s[i] != q {
			continue
		}
		if i+1 < len(s) && s[i+1] == q {
			i++
			continue
		}
		return i + 1
	}
	return len(s)
}

// namedParamLen returns the length of the :name, @name, $name or #name
// parameter at the start of s, including SQLite's "::" and "(...)" suffixes.
func namedParamLen(s string) int {
	n := 1
	for n < len(s) {
		c := s[n]
		switch {
		case isIDChar(c):
			n++
		case c == ':' && n+1 < len(s) && s[n+1] == ':':
			n += 2
		case c == '(' && n > 1:
			if i := strings.IndexByte(s[n:], ')'); i >= 0 {
				return n + i + 1
			}
			return n
		default:
			return n
		}
	}
	return n
}

// isIDChar reports whether c can be part of an SQLite identifier.
func isIDChar(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 ||
		(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// splitSQL splits an SQL text into statements, skipping empty ones (only
// whitespace, comments and semicolons). Like sqlite3_complete, a semicolon
// inside CREATE TRIGGER ... END does not end the statement unless it follows
// END.
func splitSQL(sql string) []sqlStmt {
	var out []sqlStmt
	cur := newStmtBuilder()
	start := 0
	for i := 0; i < len(sql); {
		kind, n := nextToken(sql[i:])
		tok := sql[i : i+n]
		if kind == tokSemi && cur.endsAtSemicolon() {
			out = cur.finish(out, sql[start:i])
			cur = newStmtBuilder()
			start = i + n
		} else {
			cur.add(kind, tok)
		}
		i += n
	}
	return cur.finish(out, sql[start:])
}

// stmtBuilder accumulates the tokens of one statement.
type stmtBuilder struct {
	stmt      sqlStmt
	empty     bool
	trigger   bool // statement is CREATE [TEMP] TRIGGER
	lastWord  string
	nVar      int
	names     map[string]int // named parameter -> index
	paramsIdx map[int]string // index -> name
}

func newStmtBuilder() *stmtBuilder {
	return &stmtBuilder{empty: true}
}

// endsAtSemicolon reports whether a semicolon now ends the statement.
func (b *stmtBuilder) endsAtSemicolon() bool {
	return !b.trigger || b.lastWord == "END"
}

// add records one token.
func (b *stmtBuilder) add(kind tokenKind, tok string) {
	if kind == tokSpace {
		return
	}
	if kind != tokSemi {
		b.empty = false
	}
	b.lastWord = ""
	switch kind {
	case tokWord:
		w := strings.ToUpper(tok)
		b.stmt.keywords = append(b.stmt.keywords, w)
		b.lastWord = w
		if w == "TRIGGER" && isCreateTrigger(b.stmt.keywords) {
			b.trigger = true
		}
	case tokParam:
		b.addParam(tok)
	}
}

// isCreateTrigger reports whether kw, ending in TRIGGER, starts with
// [EXPLAIN [QUERY PLAN]] CREATE [TEMP|TEMPORARY] TRIGGER.
func isCreateTrigger(kw []string) bool {
	i := 0
	if i < len(kw) && kw[i] == "EXPLAIN" {
		i++
		if i+1 < len(kw) && kw[i] == "QUERY" && kw[i+1] == "PLAN" {
			i += 2
		}
	}
	if i >= len(kw) || kw[i] != "CREATE" {
		return false
	}
	i++
	if i < len(kw) && (kw[i] == "TEMP" || kw[i] == "TEMPORARY") {
		i++
	}
	return i == len(kw)-1
}

// addParam assigns a parameter its SQLite index.
func (b *stmtBuilder) addParam(tok string) {
	if b.paramsIdx == nil {
		b.paramsIdx = map[int]string{}
		b.names = map[string]int{}
	}
	switch {
	case tok == "?":
		b.nVar++
		b.paramsIdx[b.nVar] = ""
	case tok[0] == '?':
		// ?NNN is slot NNN. Like sqlite3ExprAssignVarNumber, it names the
		// slot only if no earlier parameter did: in ":b, :a, ?1", slot 1
		// stays ":b" (sqlite3_bind_parameter_name(1) is ":b").
		n, err := strconv.Atoi(tok[1:])
		if err != nil || n <= 0 || n > 32766 {
			return // SQLite rejects it when the statement is prepared
		}
		if b.paramsIdx[n] == "" {
			b.paramsIdx[n] = tok
		}
		b.nVar = max(b.nVar, n)
	default:
		if _, ok := b.names[tok]; ok {
			return
		}
		b.nVar++
		b.names[tok] = b.nVar
		b.paramsIdx[b.nVar] = tok
	}
}

// finish appends the statement with the given text to out unless it is empty.
func (b *stmtBuilder) finish(out []sqlStmt, text string) []sqlStmt {
	if b.empty {
		return out
	}
	b.stmt.text = strings.TrimSpace(text)
	if b.nVar > 0 {
		b.stmt.params = make([]string, b.nVar)
		for i := 1; i <= b.nVar; i++ {
			b.stmt.params[i-1] = b.paramsIdx[i]
		}
	}
	return append(out, b.stmt)
}
