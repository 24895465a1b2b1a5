package tursotest

import (
	"net/http"
	"strings"
	"testing"
)

func TestTrustInProcess(t *testing.T) {
	trusted, err := NewServer(WithTLS())
	if err != nil {
		t.Fatal(err)
	}
	defer trusted.Close()
	untrusted, err := NewServer(WithTLS())
	if err != nil {
		t.Fatal(err)
	}
	defer untrusted.Close()
	if trusted.CertPool() == nil || !strings.Contains(string(trusted.CACertPEM()), "BEGIN CERTIFICATE") {
		t.Fatal("no CA exposed")
	}
	get := func(s *Server) error {
		resp, err := http.Get(s.HTTPURL() + "/health")
		if err == nil {
			_ = resp.Body.Close()
		}
		return err
	}
	restore := trusted.TrustInProcess()
	if err := get(trusted); err != nil {
		t.Fatalf("trusted server: %v", err)
	}
	if err := get(untrusted); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted server: err = %v, want a certificate error", err)
	}
	installed := http.DefaultTransport.(*http.Transport).TLSClientConfig
	restore()
	restore() // idempotent
	if after := http.DefaultTransport.(*http.Transport).TLSClientConfig; after != installed {
		t.Fatalf("TLSClientConfig written again by restore: %p, want %p (it is installed once)", after, installed)
	}
	if err := get(trusted); err == nil {
		t.Fatal("server still trusted after restore")
	}
	st := trusted.Stats()
	if st.TLSHandshakes < 1 || st.H2Conns < 1 {
		t.Fatalf("stats = %+v, want a TLS handshake negotiating h2", st)
	}
}
