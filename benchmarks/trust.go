package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"sync"
)

// trusted is the process-wide set of CAs of the server process's embedded
// servers. The upstream client (and the relay, which clones it) uses
// http.DefaultTransport, so its TLSClientConfig is written once, when the
// first CA is added, and never again: requests that outlive a run read it
// while a later run (a test) adds its own CAs. With no CA left it verifies
// against the same roots as before.
var trusted struct {
	mu        sync.Mutex
	cas       map[*x509.Certificate]int
	base      *x509.CertPool // the roots before the first CA: the transport's, or the system's
	roots     *x509.CertPool // base plus cas, rebuilt when cas changes (handshakes only read it)
	installed bool
}

// trustCAs makes http.DefaultTransport trust the PEM certificates in pems
// and returns the function that removes them again.
func trustCAs(pems [][]byte) (restore func(), err error) {
	var cas []*x509.Certificate
	for _, p := range pems {
		block, _ := pem.Decode(p)
		if block == nil {
			return nil, errors.New("benchmarks: the server process sent a CA that is not PEM")
		}
		ca, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("benchmarks: the server process sent a bad CA: %w", err)
		}
		cas = append(cas, ca)
	}
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("benchmarks: http.DefaultTransport is not an *http.Transport; cannot trust the embedded servers")
	}
	trusted.mu.Lock()
	defer trusted.mu.Unlock()
	if trusted.cas == nil {
		trusted.cas = map[*x509.Certificate]int{}
	}
	for _, ca := range cas {
		trusted.cas[ca]++
	}
	if !trusted.installed {
		cfg := &tls.Config{}
		if t.TLSClientConfig != nil {
			cfg = t.TLSClientConfig.Clone()
		}
		trusted.base = cfg.RootCAs
		if trusted.base == nil {
			if sys, err := x509.SystemCertPool(); err == nil {
				trusted.base = sys
			}
		}
		// Verification moves to VerifyConnection, which reads the current
		// roots under the lock.
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = verifyTrusted
		t.TLSClientConfig = cfg
		trusted.installed = true
	}
	rebuildRootsLocked()
	var once sync.Once
	return func() {
		once.Do(func() {
			trusted.mu.Lock()
			defer trusted.mu.Unlock()
			for _, ca := range cas {
				if trusted.cas[ca]--; trusted.cas[ca] <= 0 {
					delete(trusted.cas, ca)
				}
			}
			rebuildRootsLocked()
			t.CloseIdleConnections()
		})
	}, nil
}

// rebuildRootsLocked recomputes trusted.roots; trusted.mu must be held.
func rebuildRootsLocked() {
	roots := x509.NewCertPool()
	if trusted.base != nil {
		roots = trusted.base.Clone()
	}
	for ca := range trusted.cas {
		roots.AddCert(ca)
	}
	trusted.roots = roots
}

// verifyTrusted verifies the server's chain and name against the roots
// from before plus the trusted CAs.
func verifyTrusted(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("benchmarks: server sent no certificate")
	}
	trusted.mu.Lock()
	roots := trusted.roots
	trusted.mu.Unlock()
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{DNSName: cs.ServerName, Roots: roots, Intermediates: inter})
	return err
}
