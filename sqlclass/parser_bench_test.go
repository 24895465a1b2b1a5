package sqlclass

import (
	"testing"

	"github.com/antlr4-go/antlr/v4"
	"github.com/tursodatabase/libsql-client-go/sqliteparser"
)

// benchQueries is a small mix of typical application statements.
var benchQueries = map[string]string{
	"point":  `SELECT id, name, email FROM users WHERE id = ?`,
	"join":   `SELECT u.id, count(o.id) FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE u.created_at > ? GROUP BY u.id ORDER BY 2 DESC LIMIT 10`,
	"cte":    `WITH recent AS (SELECT * FROM events WHERE ts > ?) SELECT kind, count(*) FROM recent JOIN kinds k ON k.id = recent.kind GROUP BY kind`,
	"insert": `INSERT INTO users (name, email) VALUES (?, ?) ON CONFLICT (email) DO UPDATE SET name = excluded.name RETURNING id`,
}

// BenchmarkFullParser measures the upstream ANTLR parser (lexer + parser to a
// parse tree) that the package chose not to use on the cold path; compare
// with BenchmarkClassify/memo=off.
func BenchmarkFullParser(b *testing.B) {
	for name, q := range benchQueries {
		b.Run("query="+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				lexer := sqliteparser.NewSQLiteLexer(antlr.NewInputStream(q))
				lexer.RemoveErrorListeners()
				p := sqliteparser.NewSQLiteParser(antlr.NewCommonTokenStream(lexer, antlr.TokenDefaultChannel))
				p.RemoveErrorListeners()
				_ = p.Parse()
			}
		})
	}
}

// BenchmarkLex measures the lexer alone, the cold-path cost floor.
func BenchmarkLex(b *testing.B) {
	for name, q := range benchQueries {
		b.Run("query="+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = lex(q)
			}
		})
	}
}
