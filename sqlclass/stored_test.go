package sqlclass

import (
	"fmt"
	"strings"
	"testing"
)

// formatStored renders StoredParams compactly: "?1=t.a" for a positional
// parameter stored in column a of t, ":x=t.#2" for a named one stored at
// position 2 of an INSERT without column list, "+" between several targets,
// and a schema as "s.t.a". Parameters are space-separated in result order.
func formatStored(ps []StoredParam) string {
	var out []string
	for _, p := range ps {
		id := fmt.Sprintf("?%d", p.Ordinal)
		if p.Name != "" || p.Ordinal == 0 {
			id = ":" + p.Name
		}
		var ts []string
		for _, t := range p.Targets {
			col := t.Column
			if col == "" || t.Position >= 0 {
				col = fmt.Sprintf("%s#%d", col, t.Position)
			}
			name := t.Table + "." + col
			if t.Schema != "" {
				name = t.Schema + "." + name
			}
			ts = append(ts, name)
		}
		out = append(out, id+"="+strings.Join(ts, "+"))
	}
	return strings.Join(out, " ")
}

var storedCases = []struct {
	sql, want string
}{
	// INSERT with a column list, spellings
	{`INSERT INTO t (a, b) VALUES (?, ?)`, "?1=t.a ?2=t.b"},
	{"INSERT\nINTO t (a) VALUES (?)", "?1=t.a"},
	{"insert\tinto T (A) values (?)", "?1=t.a"},
	{"-- name: CreateUser :exec\nINSERT INTO users (name, bio) VALUES (?, ?)", "?1=users.name ?2=users.bio"},
	{"/* leading */ INSERT INTO t (a) VALUES (?) -- trailing", "?1=t.a"},
	{`INSERT INTO t (a) VALUES (?);`, "?1=t.a"},
	{`REPLACE INTO t (a) VALUES (?)`, "?1=t.a"},
	{`INSERT OR REPLACE INTO t (a) VALUES (?)`, "?1=t.a"},
	{`INSERT OR IGNORE INTO main.t AS x (a) VALUES (?)`, "?1=main.t.a"},
	{`WITH c AS (SELECT 1) INSERT INTO t (a) VALUES (?)`, "?1=t.a"},
	{`WITH c AS (SELECT ?) INSERT INTO t (a) VALUES (?)`, "?2=t.a"},
	// quoted and spaced names
	{"INSERT INTO \"My Table\" (\"Doc Body\", [b c], `d`) VALUES (?, ?, ?)", "?1=my table.doc body ?2=my table.b c ?3=my table.d"},
	{`INSERT INTO "a""b" ("x""y") VALUES (?)`, `?1=a"b.x"y`},
	{`INSERT INTO aux.t (a) VALUES (?)`, "?1=aux.t.a"},
	// without a column list: positions
	{`INSERT INTO t VALUES (1, ?, 'x', ?)`, "?1=t.#1 ?2=t.#3"},
	// multi-row VALUES
	{`INSERT INTO t (a, b) VALUES (?, ?), (?, ?)`, "?1=t.a ?2=t.b ?3=t.a ?4=t.b"},
	{`INSERT INTO t (a, b) VALUES (?1, ?2), (?1, 'x')`, "?1=t.a+t.a ?2=t.b"},
	// numbered, mixed and named parameters
	{`INSERT INTO t (a, b) VALUES (?2, ?1)`, "?2=t.a ?1=t.b"},
	{`INSERT INTO t (a, b, c) VALUES (?, ?5, ?)`, "?1=t.a ?5=t.b ?6=t.c"},
	{`INSERT INTO t (a, b) VALUES (?1, ?1)`, "?1=t.a+t.b"},
	{`INSERT INTO t (a, b) VALUES (:x, @y)`, ":x=t.a :y=t.b"},
	{`INSERT INTO t (a, b) VALUES ($x, :x)`, ""},             // "x" binds both spellings: unsure
	{`INSERT INTO t (a, b) VALUES (:x, :X)`, ""},             // case-only difference: unsure
	{`INSERT INTO t (a, b) VALUES (:x, ?)`, ":x=t.a ?2=t.b"}, // :x is 1, ? is 2
	{`INSERT INTO t (a, b) VALUES (:x, ?1)`, ""},             // one number, named and positional
	{`INSERT INTO t (a, b) VALUES (:x, :x)`, ":x=t.a+t.b"},
	{`INSERT INTO t (a) VALUES (?01)`, ""},
	{`INSERT INTO t (a) VALUES (?0)`, ""},
	{`INSERT INTO t (a) VALUES (?40000)`, ""},
	// expressions and function calls are never stored as bound
	{`INSERT INTO t (a) VALUES (upper(?))`, ""},
	{`INSERT INTO t (a) VALUES (trim(?))`, ""},
	{`INSERT INTO t (a) VALUES (? || '')`, ""},
	{`INSERT INTO t (a) VALUES (CAST(? AS TEXT))`, ""},
	{`INSERT INTO t (a) VALUES (printf('%s', ?))`, ""},
	{`INSERT INTO t (a) VALUES (json(?))`, ""},
	{`INSERT INTO t (a) VALUES ((?))`, ""},
	{`INSERT INTO t (a, b) VALUES (?, upper(?))`, "?1=t.a"},
	{`INSERT INTO t (a, b) VALUES (?1, upper(?1))`, ""},
	// sub-queries, INSERT ... SELECT, DEFAULT VALUES, compound VALUES
	{`INSERT INTO t (a) VALUES ((SELECT ?))`, ""},
	{`INSERT INTO t (a, b) VALUES (?, (SELECT max(x) FROM u WHERE y = ?))`, "?1=t.a"},
	{`INSERT INTO t (a) SELECT ?`, ""},
	{`INSERT INTO t (a) SELECT ? FROM u WHERE true ON CONFLICT DO UPDATE SET a = ?`, ""},
	{`INSERT INTO t DEFAULT VALUES`, ""},
	{`INSERT INTO t DEFAULT VALUES RETURNING ?`, ""},
	{`INSERT INTO t (a) VALUES (?) UNION SELECT b FROM u`, ""},
	{`INSERT INTO t (a) VALUES (?) ORDER BY 1`, ""},
	// column count mismatch: the statement fails, nothing is reported
	{`INSERT INTO t (a, b) VALUES (?)`, ""},
	// RETURNING
	{`INSERT INTO t (a) VALUES (?) RETURNING ?`, "?1=t.a"},
	{`INSERT INTO t (a) VALUES (?1) RETURNING ?1`, ""},
	{`INSERT INTO t (a) VALUES (?) RETURNING length(a), typeof(a)`, "?1=t.a"},
	// upsert
	{`INSERT INTO t (k, a) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET a = ?`, "?1=t.k ?2=t.a ?3=t.a"},
	{`INSERT INTO t (k, a) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET a = excluded.a, b = ? WHERE t.c = ?`, "?1=t.k ?2=t.a ?3=t.b"},
	{`INSERT INTO t (k, a) VALUES (?, ?) ON CONFLICT (k) WHERE k > ? DO NOTHING`, "?1=t.k ?2=t.a"},
	{`INSERT INTO t (k) VALUES (?) ON CONFLICT (k) DO NOTHING ON CONFLICT DO UPDATE SET a = ? RETURNING *`, "?1=t.k ?2=t.a"},
	{`INSERT INTO t (k) VALUES (?) ON CONFLICT DO UPDATE SET a = upper(?)`, "?1=t.k"},
	{`INSERT INTO t (k) VALUES (:v) ON CONFLICT DO UPDATE SET a = :v`, ":v=t.k+t.a"},
	// UPDATE
	{`UPDATE t SET a = ?, b = ? WHERE id = ?`, "?1=t.a ?2=t.b"},
	{"UPDATE\nt SET a = ?", "?1=t.a"},
	{`UPDATE OR REPLACE main.t AS x INDEXED BY i SET "A" = ?`, "?1=main.t.a"},
	{`UPDATE t NOT INDEXED SET a == ?`, "?1=t.a"},
	{`UPDATE t SET doc = ? WHERE doc = ?`, "?1=t.doc"},
	{`UPDATE t SET doc = ?1 WHERE doc = ?1`, ""},
	{`UPDATE t SET a = ? FROM u WHERE u.id = t.id`, "?1=t.a"},
	{`UPDATE t SET a = b IS NOT DISTINCT FROM ?, c = ?`, "?2=t.c"},
	{`UPDATE t SET (a, b) = (?, ?)`, ""},
	{`UPDATE t SET a = (SELECT ?)`, ""},
	{`UPDATE t SET a = CASE WHEN x THEN ? ELSE ? END`, ""},
	{`UPDATE t SET a = ? RETURNING ?`, "?1=t.a"},
	{`UPDATE t SET a = ? ORDER BY id LIMIT ?`, "?1=t.a"},
	{`WITH c AS (SELECT 1) UPDATE t SET a = ?`, "?1=t.a"},
	// not understood or not stored
	{`SELECT ?`, ""},
	{`DELETE FROM t WHERE a = ?`, ""},
	{`EXPLAIN INSERT INTO t (a) VALUES (?)`, ""},
	{`INSERT INTO t (a) VALUES (?); INSERT INTO t (a) VALUES (?)`, ""},
	{`INSERT INTO t (a) VALUES (?`, ""},
	{`INSERT INTO t (é) VALUES (?)`, ""},
	{`INSERT INTO t (a) VALUES ($a::b)`, ""},
	{`INSERT t (a) VALUES (?)`, ""},
	{``, ""},
}

func TestStoredParams(t *testing.T) {
	for _, tc := range storedCases {
		if got := formatStored(StoredParams(tc.sql)); got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.sql, got, tc.want)
		}
	}
}

// FuzzStoredParams: never panics; every reported parameter has a target,
// an identity, and an ordinal no larger than SQLite allows.
func FuzzStoredParams(f *testing.F) {
	for _, tc := range storedCases {
		f.Add(tc.sql)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		for _, p := range StoredParams(sql) {
			if len(p.Targets) == 0 || (p.Name == "") == (p.Ordinal == 0) || p.Ordinal > maxParamNumber {
				t.Fatalf("%q: bad StoredParam %+v", sql, p)
			}
			for _, tg := range p.Targets {
				if tg.Table == "" || (tg.Column == "") == (tg.Position < 0) {
					t.Fatalf("%q: bad target %+v", sql, tg)
				}
			}
		}
	})
}

// BenchmarkStoredParams measures the analysis compression runs for a write
// with an argument long enough to frame (it is not memoized).
func BenchmarkStoredParams(b *testing.B) {
	queries := map[string]string{
		"insert":   `INSERT INTO docs (id, owner, body, meta) VALUES (?, ?, ?, ?)`,
		"upsert":   `INSERT INTO docs (id, body) VALUES (:id, :body) ON CONFLICT (id) DO UPDATE SET body = excluded.body, n = n + 1 RETURNING id`,
		"update":   `UPDATE docs SET body = ?, updated_at = strftime('%s', 'now') WHERE id = ? AND owner = ?`,
		"rows=100": `INSERT INTO docs (a, b) VALUES ` + strings.Repeat(`(?, ?), `, 99) + `(?, ?)`,
	}
	for name, q := range queries {
		b.Run("query="+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				StoredParams(q)
			}
		})
	}
}
