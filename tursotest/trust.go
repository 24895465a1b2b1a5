package tursotest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"sync"
)

// trust is the process-wide state behind TrustInProcess. Once a CA has been
// trusted, http.DefaultTransport verifies server certificates against the
// system roots (or the roots it had) plus every CA trusted at that moment.
// The transport's TLSClientConfig is written exactly once, when the first CA
// is added, and never restored: requests that outlive a test (the upstream
// driver closes HTTP streams from background goroutines) read it while later
// tests add and remove CAs, and a second write would race with them. With no
// CA left it verifies exactly as before: against the same roots.
var trust struct {
	mu        sync.Mutex
	cas       map[*x509.Certificate]int
	saved     *tls.Config
	installed bool
}

// trustCA adds ca to the CAs that http.DefaultTransport trusts and returns
// the function that removes it again.
func trustCA(ca *x509.Certificate) (restore func()) {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return func() {}
	}
	trust.mu.Lock()
	defer trust.mu.Unlock()
	if trust.cas == nil {
		trust.cas = map[*x509.Certificate]int{}
	}
	trust.cas[ca]++
	if !trust.installed {
		trust.saved = t.TLSClientConfig
		var cfg *tls.Config
		if trust.saved != nil {
			cfg = trust.saved.Clone()
		} else {
			cfg = &tls.Config{}
		}
		base := cfg.RootCAs
		// Verification moves to VerifyConnection, which reads the current
		// set of CAs under the lock.
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error { return verifyTrusted(cs, base) }
		t.TLSClientConfig = cfg
		trust.installed = true
	}
	var once sync.Once
	return func() { once.Do(func() { untrustCA(t, ca) }) }
}

// untrustCA undoes one trustCA.
func untrustCA(t *http.Transport, ca *x509.Certificate) {
	trust.mu.Lock()
	defer trust.mu.Unlock()
	if trust.cas[ca]--; trust.cas[ca] <= 0 {
		delete(trust.cas, ca)
	}
	if len(trust.cas) == 0 {
		// Connections verified with a CA that is no longer trusted must
		// not be reused; TLSClientConfig itself stays (see trust).
		t.CloseIdleConnections()
	}
}

// verifyTrusted verifies the server's chain and name against base (nil
// means the system roots) plus the trusted CAs.
func verifyTrusted(cs tls.ConnectionState, base *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("tursotest: server sent no certificate")
	}
	var roots *x509.CertPool
	if base != nil {
		roots = base.Clone()
	} else if sys, err := x509.SystemCertPool(); err == nil {
		roots = sys
	} else {
		roots = x509.NewCertPool()
	}
	trust.mu.Lock()
	for ca := range trust.cas {
		roots.AddCert(ca)
	}
	trust.mu.Unlock()
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{
		DNSName:       cs.ServerName,
		Roots:         roots,
		Intermediates: inter,
	})
	return err
}
