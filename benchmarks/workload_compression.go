package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/turso-pooled/tursopooled/compress/jsondoc"
)

// Shape of the compression workload.
const (
	compressionDocs      = 16        // documents generated per size
	bandwidthCap         = 1_250_000 // bytes per second per direction: 10 Mbit/s
	bandwidthWorkers     = 8
	varBandwidth         = "bw=10Mbit/s"
	compressionSizeLabel = "size=%dKiB"
)

// compressionSizes are the document sizes, in KiB.
var compressionSizes = []int{1, 2, 4, 8, 16}

// sizeVariant names the variant of a document size in KiB.
func sizeVariant(kib int) string { return fmt.Sprintf(compressionSizeLabel, kib) }

// cappedVariant names the variant of a document size in KiB behind the
// bandwidth-capped link.
func cappedVariant(kib int) string { return sizeVariant(kib) + " " + varBandwidth }

// compressionRTTs returns the RTTs the size sweep runs at: 0 and -rtt.
func (b *bench) compressionRTTs() []time.Duration {
	if b.o.RTT == 0 {
		return []time.Duration{0}
	}
	return []time.Duration{0, b.o.RTT}
}

// compression runs, on transport tr: for each RTT and document size, a
// serial write-then-read of JSON documents with and without compress=br,
// then the same at -rtt behind a 10 Mbit/s link; then the episode workload
// with 8 workers behind that link.
func (b *bench) compression(ctx context.Context, tr transportSpec, run int) error {
	cfgs := rotate(compressionConfigs, run-1)
	defer b.resetProxies(tr, cfgs)
	for _, rtt := range b.compressionRTTs() {
		if err := b.sizeSweep(ctx, tr, cfgs, run, rtt, 0, sizeVariant); err != nil {
			return err
		}
	}
	if b.o.RTT > 0 {
		if err := b.sizeSweep(ctx, tr, cfgs, run, b.o.RTT, bandwidthCap, cappedVariant); err != nil {
			return err
		}
	}
	for _, c := range cfgs {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := b.e.target(c.Name, tr.Name)
		t.proxy.SetRTT(b.o.RTT)
		t.proxy.SetBandwidth(bandwidthCap)
		b.prog.step(fmt.Sprintf("compression %s %s %s run %d/%d", varBandwidth, tr.Name, c.Name, run, b.o.Runs))
		if err := b.bandwidthEpisodes(ctx, t, run); err != nil {
			return fmt.Errorf("%s %s: %w", varBandwidth, c.Name, err)
		}
	}
	return nil
}

// sizeSweep measures the write-then-read of every document size with each
// configuration in cfgs, at rtt and bandwidth (0: unlimited); variant names
// the cells of a size.
func (b *bench) sizeSweep(ctx context.Context, tr transportSpec, cfgs []configSpec, run int, rtt time.Duration, bandwidth int64, variant func(kib int) string) error {
	for _, kib := range compressionSizes {
		docs := sizedDocs(kib<<10, uint64(kib))
		for _, c := range cfgs {
			if err := ctx.Err(); err != nil {
				return err
			}
			t := b.e.target(c.Name, tr.Name)
			t.proxy.SetRTT(rtt)
			t.proxy.SetBandwidth(bandwidth)
			b.prog.step(fmt.Sprintf("compression %s %s %s rtt=%v run %d/%d", variant(kib), tr.Name, c.Name, rtt, run, b.o.Runs))
			if err := b.writeRead(ctx, t, run, rtt, variant(kib), kib, docs); err != nil {
				return fmt.Errorf("%s %s: %w", variant(kib), c.Name, err)
			}
		}
	}
	return nil
}

// resetProxies puts the proxies of cfgs on tr back to -rtt and no
// bandwidth cap.
func (b *bench) resetProxies(tr transportSpec, cfgs []configSpec) {
	for _, c := range cfgs {
		if t := b.e.target(c.Name, tr.Name); t.proxy != nil {
			t.proxy.SetRTT(b.o.RTT)
			t.proxy.SetBandwidth(0)
		}
	}
}

// sizedDocs generates compressionDocs JSON documents of about size bytes.
func sizedDocs(size int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	docs := make([]string, compressionDocs)
	for i := range docs {
		docs[i] = string(jsondoc.Generate(rng, size))
	}
	return docs
}

// writeRead measures one cell of the size sweep: serially, insert a
// document and read it back by id; bytes on the wire per pair from the
// proxy.
func (b *bench) writeRead(ctx context.Context, t *target, run int, rtt time.Duration, variant string, kib int, docs []string) error {
	db, err := b.openWarm(ctx, t)
	if err != nil {
		return err
	}
	defer db.Close()
	fn := docRoundTrip(db, tablesFor(t.prefix), func(rng *rand.Rand) string { return docs[rng.IntN(len(docs))] })
	drive(ctx, 1, b.warmup()/2, seed(run, kib, "compression-warmup"), fn)
	p := b.startProbe(t, db, 1)
	r := drive(ctx, 1, b.o.Duration, seed(run, kib, "compression"), fn)
	k := b.key(wlCompression, t, 1)
	k.RTTms, k.Variant = ms(rtt), variant
	c := r.cell(k, run, p)
	var n int
	for _, d := range docs {
		n += len(d)
	}
	c.Metrics["doc_bytes"] = float64(n) / float64(len(docs))
	b.add(c)
	b.cleanup(ctx, t)
	return nil
}

// docRoundTrip returns a unit that inserts a document chosen by pick and
// reads it back by id, checking its length; each is one op.
func docRoundTrip(db *sql.DB, tb tables, pick func(*rand.Rand) string) unitFunc {
	insert := "INSERT INTO " + tb.docs + " (id, body) VALUES (?, ?)"
	read := "SELECT body FROM " + tb.docs + " WHERE id = ?"
	return func(ctx context.Context, w *worker) error {
		id := episodeIDs.Add(1)
		doc := pick(w.rng)
		if err := w.op(func() error { _, err := db.ExecContext(ctx, insert, id, doc); return err }); err != nil {
			return err
		}
		return w.op(func() error {
			var body []byte
			if err := db.QueryRowContext(ctx, read, id).Scan(&body); err != nil {
				return err
			}
			if len(body) != len(doc) {
				return fmt.Errorf("read back %d bytes, wrote %d", len(body), len(doc))
			}
			return nil
		})
	}
}

// bandwidthEpisodes runs the episode workload with bandwidthWorkers
// workers behind the capped link (the proxy is already set).
func (b *bench) bandwidthEpisodes(ctx context.Context, t *target, run int) error {
	db, err := b.openWarm(ctx, t)
	if err != nil {
		return err
	}
	defer db.Close()
	fn := episode(db, newEpisodeSQL(tablesFor(t.prefix)), b.docs)
	drive(ctx, bandwidthWorkers, b.warmup(), seed(run, bandwidthWorkers, "bw-warmup"), fn)
	p := b.startProbe(t, db, bandwidthWorkers)
	r := drive(ctx, bandwidthWorkers, b.o.Duration, seed(run, bandwidthWorkers, "bw"), fn)
	k := b.key(wlCompression, t, bandwidthWorkers)
	k.Variant = varBandwidth
	b.add(r.cell(k, run, p))
	b.cleanup(ctx, t)
	return nil
}

// compressionSteps is the number of progress steps of one run.
func (b *bench) compressionSteps() int {
	capped := 0
	if b.o.RTT > 0 {
		capped = len(compressionSizes) * len(compressionConfigs)
	}
	return len(b.compressionRTTs())*len(compressionSizes)*len(compressionConfigs) + capped + len(compressionConfigs)
}

// compressionVariants lists the variants of the size sweep in report
// order: uncapped, then behind the capped link.
func compressionVariants() []string {
	out := make([]string, 0, 2*len(compressionSizes))
	for _, kib := range compressionSizes {
		out = append(out, sizeVariant(kib))
	}
	for _, kib := range compressionSizes {
		out = append(out, cappedVariant(kib))
	}
	return out
}
