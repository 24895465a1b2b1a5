package tursotest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// wsWriteTimeout bounds writing one message to a WebSocket client.
const wsWriteTimeout = 10 * time.Second

// wsClientMsg is a Hrana ClientMsg (hello or request).
type wsClientMsg struct {
	Type      string     `json:"type"`
	JWT       *string    `json:"jwt"`
	RequestID *int32     `json:"request_id"`
	Request   *streamReq `json:"request"`
}

// wsSession is one Hrana-over-WebSocket connection.
type wsSession struct {
	srv          *Server
	c            *websocket.Conn
	version      int
	headerAuthed bool // the upgrade request carried the auth token

	// Only the processing goroutine uses these.
	hello   bool // a hello was accepted
	sqls    map[int32]string
	cursors map[int32][]json.RawMessage

	mu      sync.Mutex // guards streams
	streams map[int32]*dbStream
}

// subprotocols lists the supported WebSocket subprotocols, preferred first.
var subprotocols = map[string]int{"hrana3": hrana3, "hrana2": hrana2, "hrana1": hrana1}

// serveWS accepts a WebSocket and runs its session until it ends.
func (fe *frontend) serveWS(w http.ResponseWriter, r *http.Request) {
	s := fe.srv
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:       []string{"hrana3", "hrana2", "hrana1"},
		InsecureSkipVerify: true, // no Origin check: clients are programs
	})
	if err != nil {
		s.log.Debug("tursotest: websocket upgrade failed", "err", err)
		return
	}
	s.stats.wsSessions.Add(1)
	version, ok := subprotocols[c.Subprotocol()]
	if !ok {
		version = hrana1 // sqld's default when no subprotocol is negotiated
	}
	c.SetReadLimit(s.opts.maxBody)
	ss := &wsSession{
		srv: s, c: c, version: version, headerAuthed: s.authorizedHeader(r),
		sqls: map[int32]string{}, cursors: map[int32][]json.RawMessage{}, streams: map[int32]*dbStream{},
	}
	fe.mu.Lock()
	fe.sessions[ss] = struct{}{}
	fe.mu.Unlock()
	defer func() {
		fe.mu.Lock()
		delete(fe.sessions, ss)
		fe.mu.Unlock()
	}()
	ss.run(fe.ctx)
}

// run reads messages in one goroutine and handles them in order in this
// one, until the connection ends or breaks the protocol.
func (ss *wsSession) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs := make(chan []byte, 16)
	var readErr error
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(msgs)
		readErr = ss.readLoop(ctx, msgs)
	}()
	var procErr error
	for data := range msgs {
		if procErr = ss.handleMsg(ctx, data); procErr != nil {
			break
		}
	}
	if procErr != nil {
		ss.closeWith(procErr)
	}
	cancel()
	<-readDone
	if procErr == nil && readErr != nil {
		ss.srv.log.Debug("tursotest: websocket ended", "err", readErr)
	}
	_ = ss.c.CloseNow()
	ss.closeStreams()
}

// readLoop reads text messages into msgs. A binary message is a protocol
// error in the JSON encoding: it closes the connection.
func (ss *wsSession) readLoop(ctx context.Context, msgs chan<- []byte) error {
	for {
		typ, data, err := ss.c.Read(ctx)
		if err != nil {
			return err
		}
		if typ != websocket.MessageText {
			err := &protoError{msg: "Received a binary WebSocket message, which is not supported in this encoding"}
			ss.closeWith(err)
			return err
		}
		select {
		case msgs <- data:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// closeWith closes the connection because of err: a protocol error closes
// with status 1002, a failed hello with 1008 (policy violation).
func (ss *wsSession) closeWith(err error) {
	code := websocket.StatusProtocolError
	if errors.Is(err, errHelloFailed) {
		code = websocket.StatusPolicyViolation
	}
	reason := err.Error()
	if len(reason) > 120 { // close reasons must fit in a control frame
		reason = reason[:120]
	}
	ss.srv.log.Debug("tursotest: closing websocket", "code", int(code), "reason", reason)
	_ = ss.c.Close(code, reason)
}

// closeStreams closes every stream of the session.
func (ss *wsSession) closeStreams() {
	ss.mu.Lock()
	streams := ss.streams
	ss.streams = map[int32]*dbStream{}
	ss.mu.Unlock()
	for _, st := range streams {
		ss.srv.eng.closeStream(st)
	}
}

// send writes one server message.
func (ss *wsSession) send(ctx context.Context, msg any) error {
	ctx, cancel := context.WithTimeout(ctx, wsWriteTimeout)
	defer cancel()
	return ss.c.Write(ctx, websocket.MessageText, mustJSON(msg))
}
