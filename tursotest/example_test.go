package tursotest_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"

	"github.com/turso-pooled/tursopooled/tursotest"
	_ "github.com/tursodatabase/libsql-client-go/libsql"
)

// Example shows a test talking to an in-process server through the
// upstream libsql driver. In a real test, use tursotest.NewTestServer(t).
func Example() {
	srv, err := tursotest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	db, err := sql.Open("libsql", srv.HTTPURL())
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

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
