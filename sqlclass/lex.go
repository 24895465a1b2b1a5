package sqlclass

import (
	"github.com/antlr4-go/antlr/v4"
	"github.com/tursodatabase/libsql-client-go/sqliteparser"
)

// Token types of the upstream ANTLR lexer, aliased for brevity.
const (
	tSCOL       = sqliteparser.SQLiteLexerSCOL
	tDOT        = sqliteparser.SQLiteLexerDOT
	tOpen       = sqliteparser.SQLiteLexerOPEN_PAR
	tClose      = sqliteparser.SQLiteLexerCLOSE_PAR
	tComma      = sqliteparser.SQLiteLexerCOMMA
	tStar       = sqliteparser.SQLiteLexerSTAR
	tDiv        = sqliteparser.SQLiteLexerDIV
	tFirstKw    = sqliteparser.SQLiteLexerABORT_
	tLastKw     = sqliteparser.SQLiteLexerNOTHING_
	tIdent      = sqliteparser.SQLiteLexerIDENTIFIER
	tBind       = sqliteparser.SQLiteLexerBIND_PARAMETER
	tString     = sqliteparser.SQLiteLexerSTRING_LITERAL
	tUnexpected = sqliteparser.SQLiteLexerUNEXPECTED_CHAR
)

// token is one default-channel token: comments and white space are dropped
// by the lexer, so keywords inside comments and string literals never appear
// as keyword tokens.
type token struct {
	typ  int
	text string
}

// isKeyword reports whether t is one of the lexer's keyword tokens. SQLite
// lets most keywords double as identifiers, so name positions accept them.
func (t token) isKeyword() bool { return t.typ >= tFirstKw && t.typ <= tLastKw }

// isName reports whether t can stand where SQLite expects a name: an
// identifier (bare or quoted), a keyword used as an identifier, or a string
// literal (SQLite accepts 'name' for compatibility).
func (t token) isName() bool {
	return t.typ == tIdent || t.typ == tString || t.isKeyword()
}

// errFlag is an ANTLR error listener that only records that an error happened;
// the default console listener would print to stderr.
type errFlag struct {
	*antlr.DefaultErrorListener
	failed bool
}

func (e *errFlag) SyntaxError(antlr.Recognizer, any, int, int, string, antlr.RecognitionException) {
	e.failed = true
}

// lex tokenizes sql with the upstream SQLite lexer. bad is true when the
// input contains something the lexer cannot tokenize exactly (an unexpected
// character such as a non-ASCII identifier, an unterminated quote, or an
// unterminated block comment): the caller must then treat the SQL as unknown.
func lex(sql string) (toks []token, bad bool) {
	lexer := sqliteparser.NewSQLiteLexer(antlr.NewInputStream(sql))
	lexer.RemoveErrorListeners()
	flag := &errFlag{DefaultErrorListener: antlr.NewDefaultErrorListener()}
	lexer.AddErrorListener(flag)
	prevStop := -2
	for {
		t := lexer.NextToken()
		typ := t.GetTokenType()
		if typ == antlr.TokenEOF {
			break
		}
		if t.GetChannel() != antlr.TokenDefaultChannel {
			prevStop = -2
			continue
		}
		switch {
		case typ == tUnexpected:
			bad = true
		case typ == tStar && len(toks) > 0 && toks[len(toks)-1].typ == tDiv && t.GetStart() == prevStop+1:
			// "/*" lexed as two tokens: an unterminated block comment.
			bad = true
		}
		prevStop = t.GetStop()
		toks = append(toks, token{typ: typ, text: t.GetText()})
	}
	return toks, bad || flag.failed
}

// unquote returns the identifier or string named by t, without quotes and
// with doubled quote characters collapsed, lower-cased in ASCII as SQLite
// compares identifiers case-insensitively in ASCII only.
func unquote(t token) string {
	s := t.text
	if len(s) >= 2 {
		switch q := s[0]; q {
		case '"', '`', '\'':
			if s[len(s)-1] == q {
				s = collapse(s[1:len(s)-1], q)
			}
		case '[':
			if s[len(s)-1] == ']' {
				s = s[1 : len(s)-1]
			}
		}
	}
	return lowerASCII(s)
}

func collapse(s string, q byte) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, s[i])
		if s[i] == q && i+1 < len(s) && s[i+1] == q {
			i++
		}
	}
	return string(out)
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// FoldName returns name as [Info] and [Table] report names: lower-cased in
// ASCII only, as SQLite compares identifiers ("Ä" and "ä" are two tables).
func FoldName(name string) string { return lowerASCII(name) }
