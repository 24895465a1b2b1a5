package jsondoc

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"time"
)

// closing ends every document; the summary text is written inside its quotes.
const (
	summaryOpen = `],"summary":"`
	closing     = `"}`
)

// epoch is the earliest generated timestamp.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Generate returns a valid JSON document of about size bytes (within a few
// bytes for sizes of 512 and above; never smaller than a minimal document of
// roughly 300 bytes), drawing all randomness from rng. The document is an
// object with an id, type, version, timestamp, an "owner" object, a "tags"
// array, an "events" array of objects sharing the same keys (each with a
// nested "meta" object and a sentence of text) and a "summary" text that
// pads the document to size.
func Generate(rng *rand.Rand, size int) []byte {
	g := &gen{rng: rng, ts: epoch.Add(time.Duration(rng.Int64N(365*24*3600)) * time.Second)}
	g.buf.Grow(size + 64)
	g.header()
	reserve := len(summaryOpen) + len(closing)
	var ev bytes.Buffer
	for seq := 1; ; seq++ {
		ev.Reset()
		g.event(&ev, seq)
		sep := 0
		if seq > 1 {
			sep = 1
		}
		if g.buf.Len()+sep+ev.Len()+reserve > size {
			break
		}
		if sep == 1 {
			g.buf.WriteByte(',')
		}
		g.buf.Write(ev.Bytes())
	}
	g.buf.WriteString(summaryOpen)
	g.text(&g.buf, size-g.buf.Len()-len(closing))
	g.buf.WriteString(closing)
	return g.buf.Bytes()
}

// gen holds the state of one document.
type gen struct {
	rng *rand.Rand
	buf bytes.Buffer
	ts  time.Time
}

// header writes the document's fixed fields up to the opening of "events".
func (g *gen) header() {
	b := &g.buf
	b.WriteString(`{"id":"`)
	g.id(b, "ep_")
	b.WriteString(`","type":"episode","version":`)
	b.WriteString(strconv.Itoa(1 + g.rng.IntN(5)))
	b.WriteString(`,"created_at":"`)
	g.timestamp(b)
	b.WriteString(`","owner":{"user_id":"`)
	g.id(b, "usr_")
	first, last := g.word(), g.word()
	b.WriteString(`","name":"` + first + " " + last)
	b.WriteString(`","email":"` + first + "." + last + `@example.com","plan":"`)
	b.WriteString([...]string{"free", "pro", "team", "enterprise"}[g.rng.IntN(4)])
	b.WriteString(`","active":`)
	b.WriteString(strconv.FormatBool(g.rng.IntN(10) > 0))
	b.WriteString(`},"tags":[`)
	for i := range 1 + g.rng.IntN(4) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + g.word() + `"`)
	}
	b.WriteString(`],"events":[`)
}

// eventKinds are the values of an event's "kind" field.
var eventKinds = [...]string{"message", "tool_call", "observation", "note", "decision"}

// roles are the values of an event's "role" field.
var roles = [...]string{"user", "assistant", "system", "tool"}

// event writes one element of the "events" array.
func (g *gen) event(b *bytes.Buffer, seq int) {
	g.ts = g.ts.Add(time.Duration(1+g.rng.IntN(90_000)) * time.Millisecond)
	b.WriteString(`{"seq":` + strconv.Itoa(seq) + `,"id":"`)
	g.id(b, "evt_")
	b.WriteString(`","ts":"`)
	g.timestamp(b)
	b.WriteString(`","kind":"` + eventKinds[g.rng.IntN(len(eventKinds))])
	b.WriteString(`","role":"` + roles[g.rng.IntN(len(roles))])
	b.WriteString(`","score":`)
	b.WriteString(strconv.FormatFloat(g.rng.Float64(), 'f', 4, 64))
	b.WriteString(`,"tokens":` + strconv.Itoa(5+g.rng.IntN(800)))
	b.WriteString(`,"text":"`)
	g.sentences(b, 1+g.rng.IntN(3))
	b.WriteString(`","meta":{"source":"`)
	b.WriteString([...]string{"api", "web", "cli", "worker"}[g.rng.IntN(4)])
	b.WriteString(`","latency_ms":` + strconv.Itoa(1+g.rng.IntN(400)))
	b.WriteString(`,"ok":` + strconv.FormatBool(g.rng.IntN(20) > 0) + `}}`)
}

// word returns a random vocabulary word.
func (g *gen) word() string { return words[g.rng.IntN(len(words))] }

// id writes prefix followed by 16 random hex digits.
func (g *gen) id(b *bytes.Buffer, prefix string) {
	b.WriteString(prefix)
	var digits [16]byte
	hex := strconv.AppendUint(digits[:0], g.rng.Uint64(), 16)
	for range 16 - len(hex) {
		b.WriteByte('0')
	}
	b.Write(hex)
}

// timestamp writes the current document time in RFC 3339 with milliseconds.
func (g *gen) timestamp(b *bytes.Buffer) {
	b.WriteString(g.ts.Format("2006-01-02T15:04:05.000Z07:00"))
}

// sentences writes n sentences of 4 to 20 words.
func (g *gen) sentences(b *bytes.Buffer, n int) {
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		for j := range 4 + g.rng.IntN(17) {
			w := g.word()
			if j == 0 {
				b.WriteByte(w[0] - 'a' + 'A')
				b.WriteString(w[1:])
				continue
			}
			b.WriteByte(' ')
			b.WriteString(w)
		}
		b.WriteByte('.')
	}
}

// text writes exactly n bytes (none if n <= 0) of sentence-like text that
// needs no JSON escaping.
func (g *gen) text(b *bytes.Buffer, n int) {
	if n <= 0 {
		return
	}
	start := b.Len()
	for b.Len()-start < n {
		g.sentences(b, 1)
		b.WriteByte(' ')
	}
	b.Truncate(start + n)
	if last := b.Bytes()[b.Len()-1]; last == ' ' {
		b.Truncate(b.Len() - 1)
		b.WriteByte('.')
	}
}
