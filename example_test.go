package tursopooled_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"time"

	"github.com/jmoiron/sqlx"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// Example opens a database with sql.Open and a DSN. Against Turso the DSN
// would be "libsql://db-org.turso.io?authToken=…&pool_max_conns=20"; here
// an in-process server stands in for it.
func Example() {
	srv, err := tursotest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	db, err := sql.Open("turso-pooled", srv.HTTPURL()+"?pool_min_conns=2&pool_max_conns=8")
	if err != nil {
		log.Fatal(err) // a bad DSN parameter is reported here
	}
	defer db.Close() // closes the pool and stops its goroutines

	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"); err != nil {
		log.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO users (name) VALUES (?), (?)", "ada", "grace"); err != nil {
		log.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
		log.Fatal(err)
	}
	fmt.Println("users:", n)
	// Output: users: 2
}

// ExampleNewConnectorFromConfig builds a connector from a Config: parsed
// from a DSN, then changed in code (every DSN parameter is a field holding
// its effective value), and opens it with sql.OpenDB.
func ExampleNewConnectorFromConfig() {
	srv, err := tursotest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	cfg, err := tursopooled.ParseDSN(srv.HTTPURL() + "?pool_max_conns=20")
	if err != nil {
		log.Fatal(err)
	}
	cfg.MinConns = 1
	cfg.MaxConns = 4 // overrides the DSN's 20
	cfg.ConnectTimeout = 3 * time.Second
	cfg.Cache = true
	cfg.Compress = tursopooled.CompressionBrotli
	c, err := tursopooled.NewConnectorFromConfig(cfg)
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()

	if err := db.PingContext(context.Background()); err != nil { // a real round trip
		log.Fatal(err)
	}
	s := c.Stats()
	fmt.Println("max connections:", s.Pool.MaxConns())
	fmt.Println("cache:", s.CacheOn, "compression:", s.CompressOn)
	// Output:
	// max connections: 4
	// cache: true compression: true
}

// Example_sqlx uses turso-pooled through sqlx: only the driver name changes.
func Example_sqlx() {
	srv, err := tursotest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	db, err := sqlx.Open("turso-pooled", srv.HTTPURL()+"?cache=on")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	type book struct {
		Title string `db:"title"`
		Year  int    `db:"year"`
	}
	db.MustExec("CREATE TABLE books (title TEXT, year INTEGER)")
	if _, err := db.NamedExec("INSERT INTO books (title, year) VALUES (:title, :year)",
		[]book{{"SICP", 1985}, {"TAOCP", 1968}}); err != nil {
		log.Fatal(err)
	}
	var books []book
	if err := db.Select(&books, "SELECT title, year FROM books ORDER BY year"); err != nil {
		log.Fatal(err)
	}
	for _, b := range books {
		fmt.Println(b.Year, b.Title)
	}
	// Output:
	// 1968 TAOCP
	// 1985 SICP
}

// Example_gorm uses turso-pooled through GORM's official SQLite dialector:
// set DriverName to "turso-pooled" and DSN to a turso-pooled DSN.
func Example_gorm() {
	srv, err := tursotest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	gdb, err := gorm.Open(sqlite.New(sqlite.Config{DriverName: "turso-pooled", DSN: srv.HTTPURL()}),
		&gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		log.Fatal(err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		log.Fatal(err)
	}
	defer sqlDB.Close()

	type Product struct {
		ID    uint
		Code  string
		Price uint
	}
	if err := gdb.AutoMigrate(&Product{}); err != nil {
		log.Fatal(err)
	}
	gdb.Create(&Product{Code: "D42", Price: 100})
	var p Product
	if err := gdb.First(&p, "code = ?", "D42").Error; err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Code, p.Price)
	// Output: D42 100
}

// ExampleWithoutCache reads past the result cache. Writes through the same
// *sql.DB invalidate cached results at once, but a write by another process
// (here, a second *sql.DB) is seen only after cache_max_ttl — unless the
// read bypasses the cache.
func ExampleWithoutCache() {
	srv, err := tursotest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	db, err := sql.Open("turso-pooled", srv.HTTPURL()+"?cache=on&cache_ttl=1m")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	other, err := sql.Open("turso-pooled", srv.HTTPURL()) // another writer, another cache
	if err != nil {
		log.Fatal(err)
	}
	defer other.Close()

	ctx := context.Background()
	mustExample(db.ExecContext(ctx, "CREATE TABLE config (k TEXT PRIMARY KEY, v TEXT)"))
	mustExample(db.ExecContext(ctx, "INSERT INTO config VALUES ('mode', 'blue')"))
	readMode := func(ctx context.Context) string {
		var v string
		if err := db.QueryRowContext(ctx, "SELECT v FROM config WHERE k = 'mode'").Scan(&v); err != nil {
			log.Fatal(err)
		}
		return v
	}
	waitForCacheHit(db, func() { readMode(ctx) }) // the cache admits results asynchronously

	mustExample(other.ExecContext(ctx, "UPDATE config SET v = 'green' WHERE k = 'mode'"))
	fmt.Println("cached read:", readMode(ctx))
	fmt.Println("WithoutCache:", readMode(tursopooled.WithoutCache(ctx)))
	// Output:
	// cached read: blue
	// WithoutCache: green
}

// waitForCacheHit repeats read until the DB's cache reports a hit, so that
// the example's output does not depend on when the cache admits an entry.
func waitForCacheHit(db *sql.DB, read func()) {
	for range 500 {
		before, _ := tursopooled.StatsOf(db)
		read()
		if after, _ := tursopooled.StatsOf(db); after.Cache.Hits > before.Cache.Hits {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	log.Fatal("the result never became a cache hit")
}

func mustExample(_ sql.Result, err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// ExampleStatsOf reads the pool, cache and compression counters of a DB
// opened with sql.Open("turso-pooled", …).
func ExampleStatsOf() {
	srv, err := tursotest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	db, err := sql.Open("turso-pooled", srv.HTTPURL()+"?pool_max_conns=8&compress=br&compress_threshold=64")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	ctx := context.Background()
	mustExample(db.ExecContext(ctx, "CREATE TABLE logs (line TEXT)"))
	long := fmt.Sprintf("%0500d", 0) // 500 compressible bytes
	mustExample(db.ExecContext(ctx, "INSERT INTO logs VALUES (?)", long))

	s, ok := tursopooled.StatsOf(db)
	fmt.Println("turso-pooled:", ok)
	fmt.Println("max connections:", s.Pool.MaxConns())
	fmt.Println("acquires > 0:", s.Pool.AcquireCount() > 0)
	fmt.Println("values framed:", s.Compression.ValuesFramed)
	fmt.Println("compressed smaller:", s.Compression.BytesOut < s.Compression.BytesIn)
	// Output:
	// turso-pooled: true
	// max connections: 8
	// acquires > 0: true
	// values framed: 1
	// compressed smaller: true
}
