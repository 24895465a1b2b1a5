// Command compression shows turso-pooled's brotli value framing: it starts
// an in-process libSQL server (package tursotest), stores the same JSON
// documents with and without compress=br, and prints the bytes each sent to
// the server and what the codec saved. Reads decode frames transparently.
//
//	go run ./examples/compression
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// docs is how many documents each run stores.
const docs = 50

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "compression:", err)
		os.Exit(1)
	}
}

// run stores the documents twice, raw and compressed, and reports to out.
func run(ctx context.Context, out io.Writer) error {
	srv, err := tursotest.NewServer()
	if err != nil {
		return err
	}
	defer srv.Close()

	raw, err := store(ctx, srv, "raw", "compress=off")
	if err != nil {
		return err
	}
	br, err := store(ctx, srv, "br", "compress=br&compress_threshold=1KiB")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d JSON documents of about %d bytes each\n", docs, len(document(0)))
	fmt.Fprintf(out, "sent to the server: %d bytes raw, %d bytes with compress=br (%.0f%% less)\n",
		raw.sent, br.sent, 100*(1-float64(br.sent)/float64(raw.sent)))
	c := br.stats.Compression
	fmt.Fprintf(out, "codec: %d values framed, %d bytes in, %d bytes out (ratio %.1fx), %d frames decoded on read\n",
		c.ValuesFramed, c.BytesIn, c.BytesOut, float64(c.BytesIn)/float64(max(c.BytesOut, 1)), c.ValuesDecoded)
	fmt.Fprintln(out, "read back intact:", br.intact && raw.intact)
	return nil
}

// result is what one run measured.
type result struct {
	sent   int64 // bytes the server received while storing
	intact bool  // every document read back equal
	stats  tursopooled.Stats
}

// store writes the documents into a table of its own through a DB opened
// with params, reads them back and measures.
func store(ctx context.Context, srv *tursotest.Server, table, params string) (result, error) {
	db, err := sql.Open("turso-pooled", srv.HTTPURL()+"?pool_min_conns=1&"+params)
	if err != nil {
		return result{}, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+table+" (id INTEGER PRIMARY KEY, doc TEXT)"); err != nil {
		return result{}, err
	}
	before := srv.Stats().BytesIn
	for i := range docs {
		if _, err := db.ExecContext(ctx, "INSERT INTO "+table+" (id, doc) VALUES (?, ?)", i, document(i)); err != nil {
			return result{}, err
		}
	}
	r := result{sent: srv.Stats().BytesIn - before, intact: true}
	for i := range docs {
		var doc string
		if err := db.QueryRowContext(ctx, "SELECT doc FROM "+table+" WHERE id = ?", i).Scan(&doc); err != nil {
			return result{}, err
		}
		r.intact = r.intact && doc == document(i)
	}
	r.stats, _ = tursopooled.StatsOf(db)
	return r, nil
}

// document returns the i-th JSON document: an order with 40 line items.
func document(i int) string {
	type item struct {
		SKU      string  `json:"sku"`
		Name     string  `json:"name"`
		Quantity int     `json:"quantity"`
		Price    float64 `json:"price"`
	}
	order := struct {
		ID       int    `json:"id"`
		Customer string `json:"customer"`
		Status   string `json:"status"`
		Items    []item `json:"items"`
	}{ID: i, Customer: fmt.Sprintf("customer-%04d@example.com", i), Status: "shipped"}
	for j := range 40 {
		order.Items = append(order.Items, item{SKU: fmt.Sprintf("SKU-%05d", (i*7+j*13)%1000),
			Name: "stainless steel water bottle, 750 ml", Quantity: 1 + j%3, Price: 19.99})
	}
	b, _ := json.Marshal(order) // cannot fail: plain structs of strings and numbers
	return string(b)
}
