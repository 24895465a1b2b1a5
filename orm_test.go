package tursopooled_test

import (
	"errors"
	"testing"

	"github.com/jmoiron/sqlx"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/schema"

	tursopooled "github.com/turso-pooled/tursopooled"
)

// remoteTargets are the conformance targets served by tursotest.
func remoteTargets(t *testing.T) []target {
	var out []target
	for _, tg := range targets(t) {
		if tg.remote() {
			out = append(out, tg)
		}
	}
	return out
}

type person struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
	Age  int    `db:"age"`
}

func TestSqlx(t *testing.T) {
	for _, tg := range remoteTargets(t) {
		t.Run(tg.name, func(t *testing.T) {
			db, err := sqlx.Open(tursopooled.DriverName, dsnFor(tg, "cache=on"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := testCtx(t)
			tbl := tableName("people")
			db.MustExecContext(ctx, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, name TEXT, age INTEGER)")
			if _, err := db.NamedExecContext(ctx, "INSERT INTO "+tbl+" (name, age) VALUES (:name, :age)",
				[]person{{Name: "Ada", Age: 36}, {Name: "Linus", Age: 21}}); err != nil {
				t.Fatalf("NamedExec: %v", err)
			}
			var ada person
			if err := db.GetContext(ctx, &ada, "SELECT * FROM "+tbl+" WHERE name = ?", "Ada"); err != nil || ada.Age != 36 {
				t.Fatalf("Get = %+v, %v", ada, err)
			}
			tx := db.MustBeginTx(ctx, nil)
			tx.MustExecContext(ctx, "UPDATE "+tbl+" SET age = age + 1")
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			var all []person
			if err := db.SelectContext(ctx, &all, "SELECT * FROM "+tbl+" ORDER BY id"); err != nil {
				t.Fatal(err)
			}
			if len(all) != 2 || all[0].Age != 37 || all[1].Age != 22 {
				t.Fatalf("Select after tx = %+v (a cached result would show the old ages)", all)
			}
		})
	}
}

type product struct {
	ID    uint `gorm:"primaryKey"`
	Code  string
	Price int
}

// TestGORM uses the official GORM SQLite dialector, gorm.io/driver/sqlite:
// its Config.DriverName selects the database/sql driver, so it runs on
// "turso-pooled" unchanged, and its SQL (RETURNING, ALTER TABLE rebuilds)
// is SQLite's, which is what libSQL speaks. Its cgo SQLite import is only
// linked into this test binary, never into the driver.
func TestGORM(t *testing.T) {
	for _, tg := range remoteTargets(t) {
		t.Run(tg.name, func(t *testing.T) {
			db, err := gorm.Open(sqlite.New(sqlite.Config{DriverName: tursopooled.DriverName, DSN: dsnFor(tg, "cache=on&compress=br")}),
				&gorm.Config{Logger: logger.Discard, NamingStrategy: schema.NamingStrategy{TablePrefix: tableName("g") + "_"}})
			if err != nil {
				t.Fatal(err)
			}
			sqlDB, _ := db.DB()
			defer sqlDB.Close()
			db = db.WithContext(testCtx(t))
			if err := db.AutoMigrate(&product{}); err != nil {
				t.Fatalf("AutoMigrate: %v", err)
			}
			if err := db.Create(&product{Code: "D42", Price: 100}).Error; err != nil {
				t.Fatalf("Create: %v", err)
			}
			var p product
			if err := db.First(&p, "code = ?", "D42").Error; err != nil || p.Price != 100 {
				t.Fatalf("First = %+v, %v", p, err)
			}
			if err := db.Model(&p).Updates(product{Price: 200, Code: "F42"}).Error; err != nil {
				t.Fatalf("Updates: %v", err)
			}
			var found []product
			if err := db.Find(&found).Error; err != nil || len(found) != 1 || found[0].Price != 200 || found[0].Code != "F42" {
				t.Fatalf("Find after Updates = %+v, %v", found, err)
			}
			err = db.Transaction(func(tx *gorm.DB) error {
				if err := tx.Create(&product{Code: "T1", Price: 1}).Error; err != nil {
					return err
				}
				return errors.New("roll back")
			})
			if err == nil {
				t.Fatal("Transaction returned nil for a failing function")
			}
			var count int64
			if err := db.Model(&product{}).Count(&count).Error; err != nil || count != 1 {
				t.Fatalf("Count after rolled-back Transaction = %d, %v; want 1", count, err)
			}
			if err := db.Delete(&p).Error; err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if err := db.First(&product{}, p.ID).Error; !errors.Is(err, gorm.ErrRecordNotFound) {
				t.Fatalf("First after Delete = %v, want ErrRecordNotFound", err)
			}
		})
	}
}
