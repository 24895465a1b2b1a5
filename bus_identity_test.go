package tursopooled

import "testing"

// TestBusIdentity: the URLs that reach one database share the bus
// identity, whatever the scheme, default port or token; others do not.
func TestBusIdentity(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"libsql://db-org.turso.io", "https://db-org.turso.io", true},
		{"libsql://db-org.turso.io", "wss://DB-org.turso.io:443/", true},
		{"http://127.0.0.1:8080", "ws://127.0.0.1:8080", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8081", false},
		{"libsql://a-org.turso.io", "libsql://b-org.turso.io", false},
		{"file:/data/app.db", "file:///data/app.db?_pragma=busy_timeout(5000)", true},
		{"file:/data/app.db", "file:/data/other.db", false},
	}
	for _, tt := range tests {
		a, b := &Config{URL: tt.a, AuthToken: "one"}, &Config{URL: tt.b, AuthToken: "two"}
		if got := busIdentity(a) == busIdentity(b); got != tt.same {
			t.Errorf("busIdentity(%q) = %q, busIdentity(%q) = %q: same = %v, want %v", tt.a, busIdentity(a), tt.b, busIdentity(b), got, tt.same)
		}
	}
}
