package tursotest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// errHelloFailed ends a session after a hello_error.
var errHelloFailed = errors.New("authentication failed")

// errInjected is the WebSocket form of FailNextRequests.
var errInjected = &hranaError{Message: "tursotest: injected failure by FailNextRequests", Code: "TURSOTEST_INJECTED"}

// handleMsg handles one client message. A non-nil error closes the
// connection.
func (ss *wsSession) handleMsg(ctx context.Context, data []byte) error {
	var msg wsClientMsg
	if err := json.Unmarshal(data, &msg); err != nil {
		return &protoError{msg: "Cannot deserialize client message from JSON: " + err.Error()}
	}
	switch msg.Type {
	case "hello":
		return ss.handleHello(ctx, msg.JWT)
	case "request":
		if !ss.hello {
			return &protoError{msg: "Received a request before hello message"}
		}
		if msg.RequestID == nil || msg.Request == nil {
			return &protoError{msg: `request message needs "request_id" and "request"`}
		}
		return ss.handleRequest(ctx, *msg.RequestID, msg.Request)
	}
	return &protoError{msg: fmt.Sprintf("ClientMsg type %q not recognized", msg.Type)}
}

// handleHello checks the hello's token and answers hello_ok or hello_error.
func (ss *wsSession) handleHello(ctx context.Context, jwt *string) error {
	if ss.hello && ss.version < hrana2 {
		return &protoError{msg: "hello can only be sent once in hrana1"}
	}
	s := ss.srv
	if s.opts.authToken != "" && !ss.headerAuthed && (jwt == nil || !s.tokenMatches(*jwt)) {
		msg := "Authentication failed: the hello message carries no token, and the server requires one"
		if jwt != nil && *jwt != "" {
			msg = "Authentication failed: the token in the hello message is invalid"
		}
		_ = ss.send(ctx, map[string]any{"type": "hello_error", "error": &hranaError{Message: msg, Code: "AUTH_FAILED"}})
		return errHelloFailed
	}
	ss.hello = true
	return ss.send(ctx, map[string]any{"type": "hello_ok"})
}

// handleRequest runs one request and sends its response.
func (ss *wsSession) handleRequest(ctx context.Context, id int32, req *streamReq) error {
	if err := ss.srv.faults.wait(ctx); err != nil {
		return err
	}
	resp, err := ss.dispatch(ctx, req)
	var he *hranaError
	switch {
	case ctx.Err() != nil:
		// The server is stopping (Restart, Close, DropConnections): like a
		// sqld process going away, it answers nothing and the connection
		// ends. (An answer here would also be untrue: "interrupted" for a
		// statement that may have run, and the upstream client panics on
		// an error answer to open_stream.)
		return ctx.Err()
	case errors.As(err, &he):
		return ss.send(ctx, map[string]any{"type": "response_error", "request_id": id, "error": he})
	case err != nil:
		return err
	}
	return ss.send(ctx, map[string]any{"type": "response_ok", "request_id": id, "response": resp})
}

// dispatch runs a request: stream and cursor management here, statements
// through ops.
func (ss *wsSession) dispatch(ctx context.Context, req *streamReq) (response, error) {
	o := &ops{eng: ss.srv.eng, version: ss.version, sqls: ss.sqls}
	switch req.Type {
	case "open_stream":
		return ss.openStream(ctx, req)
	case "close_stream":
		if req.StreamID == nil {
			return nil, &protoError{msg: `close_stream request needs "stream_id"`}
		}
		ss.mu.Lock()
		st := ss.streams[*req.StreamID]
		delete(ss.streams, *req.StreamID)
		ss.mu.Unlock()
		if st != nil {
			ss.srv.eng.closeStream(st)
		}
		return okResponse("close_stream"), nil
	case "store_sql", "close_sql":
		return o.handle(ctx, nil, req)
	case "open_cursor", "fetch_cursor", "close_cursor":
		if ss.version < hrana3 {
			return nil, notSupportedRequest(req.Type, hrana3)
		}
		return ss.cursor(ctx, o, req)
	}
	st, err := ss.stream(req.StreamID)
	if err != nil {
		return nil, err
	}
	if _, fail := ss.srv.faults.takeFailure(); fail {
		return nil, errInjected
	}
	return o.handle(ctx, st, req)
}

// openStream opens a stream with a fresh SQLite connection.
func (ss *wsSession) openStream(ctx context.Context, req *streamReq) (response, error) {
	if req.StreamID == nil {
		return nil, &protoError{msg: `open_stream request needs "stream_id"`}
	}
	ss.mu.Lock()
	_, exists := ss.streams[*req.StreamID]
	ss.mu.Unlock()
	if exists {
		return nil, &protoError{msg: fmt.Sprintf("Stream %d already exists", *req.StreamID)}
	}
	st, err := ss.srv.eng.openStream(ctx)
	if err != nil {
		return nil, sqlError(ctx, err)
	}
	ss.mu.Lock()
	ss.streams[*req.StreamID] = st
	ss.mu.Unlock()
	return okResponse("open_stream"), nil
}

// stream returns an open stream; an unknown id is a protocol error.
func (ss *wsSession) stream(id *int32) (*dbStream, error) {
	if id == nil {
		return nil, &protoError{msg: `request needs "stream_id"`}
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	st, ok := ss.streams[*id]
	if !ok {
		return nil, &protoError{msg: fmt.Sprintf("Stream %d not found", *id)}
	}
	return st, nil
}

// cursor serves open_cursor, fetch_cursor and close_cursor. The batch runs
// when the cursor opens; fetches page through its entries.
func (ss *wsSession) cursor(ctx context.Context, o *ops, req *streamReq) (response, error) {
	if req.CursorID == nil {
		return nil, &protoError{msg: req.Type + ` request needs "cursor_id"`}
	}
	id := *req.CursorID
	switch req.Type {
	case "open_cursor":
		if _, ok := ss.cursors[id]; ok {
			return nil, &protoError{msg: fmt.Sprintf("Cursor %d already exists", id)}
		}
		if req.Batch == nil {
			return nil, &protoError{msg: `open_cursor request needs "batch"`}
		}
		st, err := ss.stream(req.StreamID)
		if err != nil {
			return nil, err
		}
		res, err := o.batch(ctx, st, req.Batch)
		var he *hranaError
		if err != nil && !errors.As(err, &he) {
			return nil, err
		}
		var entries []json.RawMessage
		for _, e := range cursorEntries(req.Batch, res, he) {
			entries = append(entries, e)
		}
		ss.cursors[id] = entries
		return okResponse("open_cursor"), nil
	case "fetch_cursor":
		entries, ok := ss.cursors[id]
		if !ok {
			return nil, &protoError{msg: fmt.Sprintf("Cursor %d not found", id)}
		}
		n := len(entries)
		if req.MaxCount != nil && int(*req.MaxCount) < n {
			n = int(*req.MaxCount)
		}
		ss.cursors[id] = entries[n:]
		page := append([]json.RawMessage{}, entries[:n]...)
		return okResponse("fetch_cursor", "entries", page, "done", n == len(entries)), nil
	default: // close_cursor
		delete(ss.cursors, id)
		return okResponse("close_cursor"), nil
	}
}
