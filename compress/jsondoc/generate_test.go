package jsondoc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestGenerateValidAndSized(t *testing.T) {
	sizes := []int{300, 512, 1000, 1024, 2048, 4096, 8192, 16384, 65536, 1 << 20}
	for _, size := range sizes {
		for seed := range uint64(5) {
			t.Run(fmt.Sprintf("size=%d/seed=%d", size, seed), func(t *testing.T) {
				doc := Generate(rand.New(rand.NewPCG(seed, 1)), size)
				if !json.Valid(doc) {
					t.Fatalf("invalid JSON: %q", doc)
				}
				if lo, hi := size*9/10, size*11/10; len(doc) < lo || len(doc) > hi {
					t.Fatalf("len = %d, want %d..%d", len(doc), lo, hi)
				}
			})
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a := Generate(rand.New(rand.NewPCG(42, 7)), 4096)
	b := Generate(rand.New(rand.NewPCG(42, 7)), 4096)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed produced different documents")
	}
	c := Generate(rand.New(rand.NewPCG(43, 7)), 4096)
	if bytes.Equal(a, c) {
		t.Fatal("different seeds produced the same document")
	}
}

func TestGenerateShape(t *testing.T) {
	doc := Generate(rand.New(rand.NewPCG(1, 2)), 8192)
	var v struct {
		ID     string                 `json:"id"`
		Owner  struct{ Email string } `json:"owner"`
		Events []struct {
			Seq  int            `json:"seq"`
			Text string         `json:"text"`
			Meta map[string]any `json:"meta"`
		} `json:"events"`
		Summary string `json:"summary"`
	}
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	if v.ID == "" || v.Owner.Email == "" || len(v.Events) < 10 {
		t.Fatalf("missing fields: id=%q email=%q events=%d", v.ID, v.Owner.Email, len(v.Events))
	}
	for i, e := range v.Events {
		if e.Seq != i+1 || e.Text == "" || len(e.Meta) != 3 {
			t.Fatalf("event %d malformed: %+v", i, e)
		}
	}
}

func TestGenerateTinySize(t *testing.T) {
	doc := Generate(rand.New(rand.NewPCG(3, 3)), 1)
	if !json.Valid(doc) {
		t.Fatalf("invalid JSON for tiny size: %q", doc)
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	rng := rand.New(rand.NewPCG(1, 1))
	b.SetBytes(16 << 10)
	for b.Loop() {
		Generate(rng, 16<<10)
	}
}
