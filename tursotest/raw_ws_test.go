package tursotest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// wsDial opens a raw WebSocket with the given subprotocol.
func wsDial(t *testing.T, srv *Server, proto string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(testCtx(t), srv.WSURL(), &websocket.DialOptions{Subprotocols: []string{proto}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// wsSend writes a raw text message.
func wsSend(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	if err := c.Write(testCtx(t), websocket.MessageText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

// wsRecv reads one JSON message.
func wsRecv(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	_, data, err := c.Read(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%q: %v", data, err)
	}
	return m
}

// wsClosedWith reads until the connection closes and returns its status.
func wsClosedWith(t *testing.T, c *websocket.Conn) websocket.StatusCode {
	t.Helper()
	for {
		if _, _, err := c.Read(testCtx(t)); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

func TestRawWSProtocolErrors(t *testing.T) {
	srv := NewTestServer(t)
	tests := []struct {
		name string
		send func(*websocket.Conn) error
	}{
		{"binary-garbage", func(c *websocket.Conn) error {
			return c.Write(context.Background(), websocket.MessageBinary, []byte{0xde, 0xad, 0xbe, 0xef})
		}},
		{"non-json", func(c *websocket.Conn) error {
			return c.Write(context.Background(), websocket.MessageText, []byte("hello?"))
		}},
		{"request-before-hello", func(c *websocket.Conn) error {
			return c.Write(context.Background(), websocket.MessageText, []byte(`{"type":"request","request_id":1,"request":{"type":"open_stream","stream_id":1}}`))
		}},
		{"unknown-message-type", func(c *websocket.Conn) error {
			return c.Write(context.Background(), websocket.MessageText, []byte(`{"type":"goodbye"}`))
		}},
	}
	for _, tc := range tests {
		t.Run("case="+tc.name, func(t *testing.T) {
			c := wsDial(t, srv, "hrana2")
			if err := tc.send(c); err != nil {
				t.Fatal(err)
			}
			if got := wsClosedWith(t, c); got != websocket.StatusProtocolError {
				t.Fatalf("close status = %v, want %v", got, websocket.StatusProtocolError)
			}
		})
	}
	// Other connections are unaffected.
	db := openDB(t, srv.WSURL())
	if err := ping(testCtx(t), db); err != nil {
		t.Fatal(err)
	}
}

func TestRawWSStreams(t *testing.T) {
	srv := NewTestServer(t, WithAuthToken("tok"))
	c := wsDial(t, srv, "hrana3")
	if c.Subprotocol() != "hrana3" {
		t.Fatalf("subprotocol = %q", c.Subprotocol())
	}
	wsSend(t, c, `{"type":"hello","jwt":"tok"}`)
	if m := wsRecv(t, c); m["type"] != "hello_ok" {
		t.Fatalf("hello: %v", m)
	}
	steps := []struct{ req, want string }{
		{`{"type":"open_stream","stream_id":1}`, "response_ok"},
		{`{"type":"open_stream","stream_id":2}`, "response_ok"},
		{`{"type":"execute","stream_id":1,"stmt":{"sql":"CREATE TABLE t (a)"}}`, "response_ok"},
		{`{"type":"execute","stream_id":1,"stmt":{"sql":"BEGIN"}}`, "response_ok"},
		{`{"type":"execute","stream_id":1,"stmt":{"sql":"INSERT INTO t VALUES (1)"}}`, "response_ok"},
		{`{"type":"get_autocommit","stream_id":1}`, "response_ok"},
		{`{"type":"execute","stream_id":2,"stmt":{"sql":"SELECT count(*) FROM t"}}`, "response_ok"},
		{`{"type":"execute","stream_id":2,"stmt":{"sql":"SELECT nope"}}`, "response_error"},
		{`{"type":"open_cursor","stream_id":2,"cursor_id":5,"batch":{"steps":[{"stmt":{"sql":"SELECT 1"}}]}}`, "response_ok"},
		{`{"type":"fetch_cursor","cursor_id":5,"max_count":100}`, "response_ok"},
		{`{"type":"close_cursor","cursor_id":5}`, "response_ok"},
		{`{"type":"close_stream","stream_id":1}`, "response_ok"},
	}
	var resps []map[string]any
	for i, s := range steps {
		wsSend(t, c, fmt.Sprintf(`{"type":"request","request_id":%d,"request":%s}`, 100+i, s.req))
		m := wsRecv(t, c)
		if m["type"] != s.want {
			t.Fatalf("step %d %s: %v", i, s.req, m)
		}
		resps = append(resps, m)
	}
	resp := func(i int) map[string]any { return resps[i]["response"].(map[string]any) }
	if resp(5)["is_autocommit"] != false {
		t.Errorf("get_autocommit inside BEGIN = %v", resp(5))
	}
	// Stream 2 does not see stream 1's uncommitted insert.
	row := resp(6)["result"].(map[string]any)["rows"].([]any)[0].([]any)
	if v := row[0].(map[string]any)["value"]; v != "0" {
		t.Errorf("count on stream 2 = %v, want 0", v)
	}
	if e := resps[7]["error"].(map[string]any); e["code"] != "SQLITE_ERROR" {
		t.Errorf("error = %v", e)
	}
	// step_begin, row, step_end and the replication_index terminator.
	if entries := resp(9)["entries"].([]any); len(entries) != 4 || resp(9)["done"] != true {
		t.Errorf("fetch_cursor = %v", resp(9))
	}
	// Re-hello is allowed in hrana2+; a request on a closed stream is a
	// protocol error.
	wsSend(t, c, `{"type":"hello","jwt":"tok"}`)
	if m := wsRecv(t, c); m["type"] != "hello_ok" {
		t.Fatalf("re-hello: %v", m)
	}
	wsSend(t, c, `{"type":"request","request_id":99,"request":{"type":"execute","stream_id":1,"stmt":{"sql":"SELECT 1"}}}`)
	if got := wsClosedWith(t, c); got != websocket.StatusProtocolError {
		t.Fatalf("close status = %v", got)
	}
}

func TestRawWSHelloError(t *testing.T) {
	srv := NewTestServer(t, WithAuthToken("tok"))
	c := wsDial(t, srv, "hrana1")
	wsSend(t, c, `{"type":"hello","jwt":"nope"}`)
	m := wsRecv(t, c)
	if m["type"] != "hello_error" || !strings.Contains(m["error"].(map[string]any)["message"].(string), "invalid") {
		t.Fatalf("hello: %v", m)
	}
	if got := wsClosedWith(t, c); got != websocket.StatusPolicyViolation {
		t.Fatalf("close status = %v", got)
	}
}
