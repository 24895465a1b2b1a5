package sqlclass

import (
	"fmt"
	"strings"
	"testing"
)

// formatKeys renders Keys compactly for the table tests: "t" followed by
// the parts that are set, e.g. "t where=id:?1 assigned=v".
func formatKeys(k *Keys) string {
	if k == nil {
		return ""
	}
	parts := []string{k.Table}
	if k.Schema != "" {
		parts[0] = k.Schema + "." + k.Table
	}
	var where []string
	for _, p := range k.Where {
		var vals []string
		for _, v := range p.Values {
			vals = append(vals, v.String())
		}
		where = append(where, p.Column+":"+strings.Join(vals, ","))
	}
	if len(where) > 0 {
		parts = append(parts, "where="+strings.Join(where, ";"))
	}
	if len(k.Assigned) > 0 {
		parts = append(parts, "assigned="+strings.Join(k.Assigned, ","))
	}
	if k.Columns != nil {
		parts = append(parts, "cols="+strings.Join(k.Columns, ","))
	}
	for _, r := range k.Rows {
		var vals []string
		for _, v := range r {
			vals = append(vals, v.String())
		}
		parts = append(parts, "row="+strings.Join(vals, ","))
	}
	for _, u := range k.Upserts {
		s := "upsert=(" + strings.Join(u.Target, ",") + ")"
		if u.Target == nil {
			s = "upsert=*"
		}
		if u.Update {
			s += "update"
		} else {
			s += "nothing"
		}
		parts = append(parts, s)
	}
	if k.Or != "" {
		parts = append(parts, "or="+k.Or)
	}
	if k.Aggregate {
		parts = append(parts, "agg")
	}
	return strings.Join(parts, " ")
}

func TestKeys(t *testing.T) {
	tests := []struct {
		sql  string
		kind Kind
		want string // "" means no keys
	}{
		// SELECT
		{`SELECT * FROM t WHERE id = ?`, KindSelect, "t where=id:?1"},
		{`select v from T where ID == 5`, KindSelect, "t where=id:5"},
		{`SELECT v FROM main.t AS x WHERE x.id = -5 AND x.k IN (1, 'a', X'00', NULL, 1.5, ?)`, KindSelect, "main.t where=id:-5;k:1,'a',X'00',NULL,1.5,?1"},
		{`SELECT v FROM t x WHERE ? = id AND v > 3 AND k IS ?`, KindSelect, "t where=id:?1;k:?2"},
		{`SELECT v FROM t WHERE t.id = :id AND 0x10 = k`, KindSelect, "t where=id::id;k:16"},
		{`SELECT v FROM t WHERE id = ?2 AND k = ?1`, KindSelect, "t where=id:?2;k:?1"},
		{`SELECT v FROM t WHERE a BETWEEN 1 AND 2 AND id = 3`, KindSelect, "t where=id:3"},
		{`SELECT v FROM t WHERE CASE WHEN a AND b THEN 1 END AND id = 3`, KindSelect, "t where=id:3"},
		{`SELECT v FROM t WHERE (a OR b) AND id = 3`, KindSelect, "t where=id:3"},
		{`SELECT v FROM t WHERE a = 1 OR id = 3`, KindSelect, "t"},
		{`SELECT v FROM t WHERE id = 3 OR a = 1 AND id = 4`, KindSelect, "t"},
		{`SELECT v FROM t WHERE (id = 3)`, KindSelect, "t"},
		{`SELECT v FROM t WHERE id = 1 + 2 AND k = lower(?) AND j = x AND 'id' = 5 AND u.id = 1`, KindSelect, "t"},
		{`SELECT v FROM t WHERE id IS NOT ? AND id NOT IN (1) AND id IN () AND id = ? COLLATE NOCASE`, KindSelect, "t"},
		{`SELECT count(*) FROM t WHERE id = ?`, KindSelect, "t where=id:?1 agg"},
		{`SELECT max(v) FROM t WHERE g = ? GROUP BY g`, KindSelect, "t where=g:?1"},
		{`SELECT v FROM t WHERE id = ? ORDER BY v LIMIT 10`, KindSelect, "t where=id:?1"},
		{`SELECT * FROM t`, KindSelect, "t"},
		{`SELECT * FROM t INDEXED BY i WHERE id = 1`, KindSelect, "t where=id:1"},
		{`SELECT * FROM t, u WHERE t.id = 1`, KindSelect, ""},
		{`SELECT * FROM t JOIN u ON 1 WHERE id = 1`, KindSelect, ""},
		{`SELECT * FROM t WHERE id IN (SELECT id FROM u)`, KindSelect, ""},
		{`SELECT (SELECT 1) FROM t WHERE id = 1`, KindSelect, ""},
		{`SELECT * FROM t WHERE id = 1 UNION SELECT * FROM t WHERE id = 2`, KindSelect, ""},
		{`WITH c AS (SELECT 1) SELECT * FROM t WHERE id = 1`, KindSelect, ""},
		{`SELECT * FROM json_each(?) WHERE key = 1`, KindSelect, ""},
		{`SELECT 1`, KindSelect, ""},
		{`VALUES (1)`, KindSelect, ""},
		{`SELECT v FROM t WHERE id = ? AND id = :x`, KindSelect, "t where=id:?1;id::x"},
		{`SELECT v FROM t WHERE id = ? AND k = ?1`, KindSelect, "t where=id:?1;k:?1"},
		{`SELECT v FROM t WHERE id = :a AND k = @a`, KindSelect, "t"}, // spelled two ways: unsure
		{`SELECT v FROM t WHERE id = ?1 AND k = :a`, KindSelect, "t where=id:?1;k::a"},
		{`SELECT v FROM t WHERE id = ?0`, KindSelect, "t"},
		// UPDATE
		{`UPDATE t SET v = ? WHERE id = ?`, KindUpdate, "t where=id:?2 assigned=v"},
		{`UPDATE OR IGNORE main.t AS x SET v = 1, (a, "B") = (2, 3) WHERE x.id IN (1, 2) RETURNING *`, KindUpdate, "main.t where=id:1,2 assigned=v,a,b or=ignore"},
		{`UPDATE OR REPLACE t SET v = 1 WHERE id = 1`, KindUpdate, "t where=id:1 assigned=v or=replace"},
		{`UPDATE t SET v = 1`, KindUpdate, "t assigned=v"},
		{`UPDATE t SET v = 1 WHERE id = 2 ORDER BY id LIMIT 1`, KindUpdate, "t where=id:2 assigned=v"},
		{`UPDATE t SET v = u.v FROM u WHERE t.id = u.id`, KindUpdate, ""},
		{`UPDATE t SET v = (SELECT 1) WHERE id = 1`, KindUpdate, ""},
		// DELETE
		{`DELETE FROM t WHERE id = ?`, KindDelete, "t where=id:?1"},
		{`delete from "My Table" where "Key" in (?, ?) returning id`, KindDelete, "my table where=key:?1,?2"},
		{`DELETE FROM t`, KindDelete, "t"},
		{`DELETE FROM t WHERE id IN (SELECT id FROM u)`, KindDelete, ""},
		// INSERT
		{`INSERT INTO t (id, v) VALUES (?, ?)`, KindInsert, "t cols=id,v row=?1,?2"},
		{`INSERT INTO t VALUES (1, 'a'), (2, lower('B'))`, KindInsert, "t row=1,'a' row=2,expr"},
		{`INSERT OR IGNORE INTO t AS x ("Id", v) VALUES (:id, :v) RETURNING id`, KindInsert, "t cols=id,v row=:id,:v or=ignore"},
		{`REPLACE INTO t (id, v) VALUES (1, 2)`, KindReplace, "t cols=id,v row=1,2 or=replace"},
		{`INSERT OR REPLACE INTO t (id) VALUES (1)`, KindReplace, "t cols=id row=1 or=replace"},
		{`INSERT INTO t (id, v) VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET v = excluded.v`, KindUpsert, "t assigned=v cols=id,v row=1,2 upsert=(id)update"},
		{`INSERT INTO t (id, v) VALUES (1, 2) ON CONFLICT (id) WHERE v > 0 DO UPDATE SET v = 1 WHERE v < 9 ON CONFLICT DO NOTHING`, KindUpsert, "t assigned=v cols=id,v row=1,2 upsert=(id)update upsert=*nothing"},
		{`INSERT INTO t (a, b) VALUES (1, 2) ON CONFLICT (a COLLATE NOCASE, b DESC) DO NOTHING`, KindUpsert, "t cols=a,b row=1,2 upsert=(,b)nothing"},
		{`INSERT INTO t (id) VALUES (1), (2, 3)`, KindInsert, ""},
		{`INSERT INTO t (id, v) VALUES (1)`, KindInsert, ""},
		{`INSERT INTO t SELECT * FROM u`, KindInsert, ""},
		{`INSERT INTO t DEFAULT VALUES`, KindInsert, ""},
		{`WITH x AS (SELECT 1) INSERT INTO t VALUES (1)`, KindInsert, ""},
		{`INSERT INTO t VALUES ((SELECT 1))`, KindInsert, ""},
		// others
		{`CREATE TABLE t (id)`, KindDDL, ""},
		{`BEGIN`, KindTransaction, ""},
		{`PRAGMA x = 1`, KindOther, ""},
		{`EXPLAIN SELECT * FROM t WHERE id = 1`, KindOther, ""},
		{`SELECT * FROM t WHERE id = 1; SELECT 2`, KindOther, ""},
		{`SELECT * FROM t WHERE id = 'x`, KindOther, ""},
	}
	for _, tt := range tests {
		info := Classify(tt.sql)
		if info.Kind != tt.kind {
			t.Errorf("%s: Kind = %v, want %v", tt.sql, info.Kind, tt.kind)
		}
		if got := formatKeys(info.Keys); got != tt.want {
			t.Errorf("%s:\n got  %q\n want %q", tt.sql, got, tt.want)
		}
	}
}

func TestKindString(t *testing.T) {
	var names []string
	for k := KindOther; k <= KindTransaction+1; k++ {
		names = append(names, k.String())
	}
	if got := fmt.Sprint(names); got != "[other select insert replace upsert update delete ddl transaction other]" {
		t.Error(got)
	}
}
