package pool_test

import (
	"context"
	"fmt"
	"time"

	"github.com/turso-pooled/tursopooled/pool"
)

func ExamplePool() {
	next := 0
	p, err := pool.New(pool.Config[int]{
		Constructor: func(context.Context) (int, error) { next++; return next, nil }, // dial
		Destructor:  func(int) {},                                                    // close
		MaxConns:    4,
		// MinConns: 0, so nothing is dialed in the background here.
		ConnectTimeout: 5 * time.Second,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	for range 3 {
		c, err := p.Acquire(context.Background())
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("using connection", c.Value())
		c.Release()
	}
	s := p.Stat()
	fmt.Println("dialed:", s.NewConnsCount(), "saved:", s.HandshakesSaved())
	// Output:
	// using connection 1
	// using connection 1
	// using connection 1
	// dialed: 1 saved: 2
}
