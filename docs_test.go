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
