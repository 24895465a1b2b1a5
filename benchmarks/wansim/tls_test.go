package wansim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"
)

// selfSigned returns a server certificate for 127.0.0.1 and a pool that
// trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "wansim test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func TestTLSThroughProxy(t *testing.T) {
	const rtt = 40 * time.Millisecond
	cert, pool := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsLn := tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13})
	srv := startServer(t, tlsLn, echo)
	p := newProxy(t, Config{Target: srv.addr(), RTT: rtt, ConnectRTT: true})

	start := time.Now()
	c := dial(t, p.Addr())
	tc := tls.Client(c, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS13})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	handshake := time.Since(start)
	roundTrip(t, tc, []byte("over tls"))
	total := time.Since(start)

	// TCP setup (1 RTT) + TLS 1.3 handshake (1 RTT), then the request (1 RTT).
	checkWithin(t, "connect and TLS handshake", handshake, 2*rtt, 2*rtt+slack)
	checkWithin(t, "connect, handshake and first round trip", total, 3*rtt, 3*rtt+slack)
	if got := p.Stats(); got.BytesUp <= int64(len("over tls")) || got.BytesDown <= int64(len("over tls")) {
		t.Fatalf("Stats = %+v, want handshake bytes counted", got)
	}
	_ = tc.Close()
}
