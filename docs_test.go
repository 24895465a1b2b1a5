package tursopooled_test

import (
	"os"
	"strings"
	"testing"

	tursopooled "github.com/turso-pooled/tursopooled"
)

// TestREADMEDocumentsEveryParameter keeps the README's parameter table and
// the parser's table from drifting apart: every parameter appears with the
// default the parser documents, and simple defaults match NewConfig.
func TestREADMEDocumentsEveryParameter(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for line := range strings.SplitSeq(string(readme), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 5 {
			continue
		}
		key := strings.Trim(strings.TrimSpace(cells[1]), "`")
		rows[key] = cells[2:]
	}
	for _, p := range tursopooled.DocumentedParams() {
		if p.Feature == "upstream" {
			continue
		}
		row, ok := rows[p.Key]
		if !ok {
			t.Errorf("README has no table row for %s", p.Key)
			continue
		}
		if got := strings.ReplaceAll(strings.TrimSpace(row[0]), "`", ""); got != p.Default {
			t.Errorf("README default of %s = %q, parser documents %q", p.Key, got, p.Default)
		}
		if !strings.Contains(p.Default, " ") && p.ActualDefault != p.Default {
			t.Errorf("%s: documented default %q, NewConfig gives %q", p.Key, p.Default, p.ActualDefault)
		}
	}
}

// TestParseDSNDocListsEveryParameter keeps ParseDSN's doc comment, which
// lists each parameter with its type and default, in step with the table.
func TestParseDSNDocListsEveryParameter(t *testing.T) {
	src, err := os.ReadFile("dsn.go")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{} // key → documented default
	for line := range strings.SplitSeq(string(src), "\n") {
		f := strings.Fields(strings.TrimPrefix(line, "//"))
		if strings.HasPrefix(line, "//\t") && len(f) >= 3 {
			listed[f[0]] = f[2]
		}
	}
	for _, p := range tursopooled.DocumentedParams() {
		if p.Feature == "upstream" {
			continue
		}
		def, _, _ := strings.Cut(p.Default, " ")
		if got, ok := listed[p.Key]; !ok || got != def {
			t.Errorf("ParseDSN's doc lists %s with default %q (listed %v), the table says %q", p.Key, got, ok, def)
		}
	}
	if len(listed) != len(tursopooled.DocumentedParams())-2 {
		t.Errorf("ParseDSN's doc lists %d parameters, the table has %d besides authToken and tls", len(listed), len(tursopooled.DocumentedParams())-2)
	}
}
