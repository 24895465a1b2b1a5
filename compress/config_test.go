package compress

import (
	"errors"
	"strings"
	"testing"
)

func TestNewConfig(t *testing.T) {
	tooBig := int64(maxLimit) + 1 // a variable, so the test compiles where int is 32 bits
	tests := []struct {
		name    string
		cfg     Config
		want    Config
		errWant []string // substrings of the error; nil means no error
	}{
		{"zero means defaults", Config{}, Config{DefaultThreshold, DefaultQuality, DefaultMaxDecodedBytes}, nil},
		{"explicit values kept", Config{Threshold: 1, Quality: 11, MaxDecodedBytes: 1}, Config{1, 11, 1}, nil},
		{"max limits", Config{Threshold: maxLimit, Quality: 1, MaxDecodedBytes: maxLimit}, Config{maxLimit, 1, maxLimit}, nil},
		{"negative threshold", Config{Threshold: -1}, Config{}, []string{"Threshold", "-1", "accepted 0"}},
		{"threshold too big", Config{Threshold: int(tooBig)}, Config{}, []string{"Threshold", "accepted 0", "bytes"}},
		{"negative quality", Config{Quality: -1}, Config{}, []string{"Quality", "-1", "1 to 11"}},
		{"quality too high", Config{Quality: 12}, Config{}, []string{"Quality", "12", "1 to 11"}},
		{"negative max decoded", Config{MaxDecodedBytes: -5}, Config{}, []string{"MaxDecodedBytes", "-5", "bytes"}},
		{"max decoded too big", Config{MaxDecodedBytes: 1 << 40}, Config{}, []string{"MaxDecodedBytes", "1099511627776", "4294967295"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.cfg
			c, err := New(in)
			if in != tt.cfg {
				t.Fatalf("New modified its argument: %+v", in)
			}
			if tt.errWant != nil {
				if err == nil || !errors.Is(err, ErrInvalidConfig) || c != nil {
					t.Fatalf("New = %v, %v; want nil and an ErrInvalidConfig", c, err)
				}
				for _, s := range append(tt.errWant, "compress:") {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if got := c.Config(); got != tt.want {
				t.Fatalf("Config() = %+v, want %+v", got, tt.want)
			}
		})
	}
}
