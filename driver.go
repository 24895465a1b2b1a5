package tursopooled

import (
	"context"
	"database/sql"
	"database/sql/driver"
)

// DriverName is the name under which the driver is registered with
// database/sql.
const DriverName = "turso-pooled"

func init() {
	sql.Register(DriverName, &Driver{})
}

// Driver is the database/sql driver registered as "turso-pooled". Use it
// through sql.Open("turso-pooled", dsn), or build a [Connector] with
// [NewConnector] and pass it to sql.OpenDB.
type Driver struct {
	connector *Connector // set on the Driver a Connector returns; nil on the registered one
}

var (
	_ driver.Driver        = (*Driver)(nil)
	_ driver.DriverContext = (*Driver)(nil)
)

// OpenConnector implements driver.DriverContext: database/sql calls it once
// per sql.Open, and the returned connector owns the pool and the cache until
// db.Close(). DSN errors are returned here, i.e. from sql.Open.
func (d *Driver) OpenConnector(dsn string) (driver.Connector, error) {
	return NewConnector(dsn)
}

// Open implements driver.Driver. database/sql never calls it (it uses
// OpenConnector); called directly it opens one connection with its own
// private connector, without pre-warmed connections, which closes with it.
func (d *Driver) Open(dsn string) (driver.Conn, error) {
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	cfg.MinConns = 0
	c, err := NewConnectorFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	dc, err := c.Connect(context.Background())
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	cn := dc.(*conn)
	cn.ownsConnector = true
	return cn, nil
}
