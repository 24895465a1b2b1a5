package relay

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
)

// SecretHeaderName is the request header that must carry Config.Secret.
const SecretHeaderName = "X-Turso-Pooled-Relay"

// NewSecret returns 32 random hexadecimal characters (128 bits from
// crypto/rand) for Config.Secret. It is safe for concurrent use.
func NewSecret() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	return hex.EncodeToString(b[:])
}

// secretMatches reports, in constant time, whether h carries exactly one
// SecretHeaderName value equal to secret.
func secretMatches(h http.Header, secret string) bool {
	vs := h.Values(SecretHeaderName)
	if len(vs) != 1 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(vs[0]), []byte(secret)) == 1
}
