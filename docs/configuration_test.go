package docs_test

import (
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"

	tursopooled "github.com/turso-pooled/tursopooled"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// tableRows returns the Markdown table rows of text whose first cell is a
// backquoted key accepted by keep, as key → the remaining cells (trimmed,
// backquotes removed).
func tableRows(text string, keep func(key string) bool) map[string][]string {
	rows := map[string][]string{}
	for line := range strings.SplitSeq(text, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		key, _, _ := strings.Cut(strings.TrimSpace(cells[1]), " ")
		key = strings.Trim(key, "`")
		if !keep(key) {
			continue
		}
		var rest []string
		for _, c := range cells[2 : len(cells)-1] {
			rest = append(rest, strings.ReplaceAll(strings.TrimSpace(c), "`", ""))
		}
		rows[key] = rest
	}
	return rows
}

func ours(key string) bool {
	return strings.HasPrefix(key, "pool_") || strings.HasPrefix(key, "cache") || strings.HasPrefix(key, "compress")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestConfigurationDocumentsEveryParameter: every turso-pooled parameter in
// the README's DSN table has a row in configuration.md with the same
// default, and configuration.md documents no parameter the README lacks.
func TestConfigurationDocumentsEveryParameter(t *testing.T) {
	readme := tableRows(readFile(t, "../README.md"), ours)
	guide := tableRows(readFile(t, "configuration.md"), ours)
	if len(readme) < 15 {
		t.Fatalf("found %d parameters in README.md's table; the parser of this test is out of date", len(readme))
	}
	for key, cells := range readme {
		row, ok := guide[key]
		if !ok {
			t.Errorf("configuration.md has no table row for %s", key)
			continue
		}
		if row[0] != cells[0] {
			t.Errorf("configuration.md default of %s = %q, README says %q", key, row[0], cells[0])
		}
		if !strings.Contains(readFile(t, "configuration.md"), "### `"+key+"`") &&
			!strings.Contains(readFile(t, "configuration.md"), "and `"+key+"`") {
			t.Errorf("configuration.md has no section on %s", key)
		}
	}
	for key := range guide {
		if _, ok := readme[key]; !ok {
			t.Errorf("configuration.md documents %s, which README.md's table does not list", key)
		}
	}
}

// TestConfigurationDefaultsMatchTheParser: a parameter set to the default
// that configuration.md documents leaves the parsed configuration as it is,
// and each parameter is accepted by ParseDSN.
func TestConfigurationDefaultsMatchTheParser(t *testing.T) {
	base, err := tursopooled.ParseDSN("libsql://h")
	if err != nil {
		t.Fatal(err)
	}
	want := base.FormatDSN()
	for key, row := range tableRows(readFile(t, "configuration.md"), ours) {
		def := row[0]
		if strings.Contains(def, " ") {
			continue // a default with a condition, e.g. "5 (capped at pool_max_conns)"
		}
		t.Run(key, func(t *testing.T) {
			cfg, err := tursopooled.ParseDSN("libsql://h?" + key + "=" + def)
			if err != nil {
				t.Fatalf("ParseDSN rejects the documented default: %v", err)
			}
			if got := cfg.FormatDSN(); got != want {
				t.Errorf("%s=%s is not the default: FormatDSN = %q, want %q", key, def, got, want)
			}
		})
	}
}
