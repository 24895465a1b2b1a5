package tursotest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// pipelineReq is a Hrana-over-HTTP PipelineReqBody.
type pipelineReq struct {
	Baton    *string     `json:"baton"`
	Requests []streamReq `json:"requests"`
}

// streamResult is a Hrana-over-HTTP StreamResult.
type streamResult struct {
	Type     string      `json:"type"`
	Response response    `json:"response,omitempty"`
	Error    *hranaError `json:"error,omitempty"`
}

// errStreamClosed is the protocol error for a request that needs the
// database after "close" (ProtocolError::BatonStreamClosed,
// libsql-server/src/hrana/mod.rs:67-68, raised by Guard::get_db,
// src/hrana/http/stream.rs:191-199).
var errStreamClosed = &protoError{msg: "Stream for this baton was closed"}

// errCloseNotLast is ProfileTursoCloud's answer to a pipeline with a close
// request before its end (PROTOCOL.md sections 5.3 and 6.8).
var errCloseNotLast = &protoError{msg: "a close request must be the last request of the pipeline"}

// beginHrana runs the checks common to Hrana HTTP requests: reading and
// decoding the body into v, injected failures (unless exempt says the
// request only closes a stream), and the request delay. It writes the error
// response and returns false when the request must stop.
func (s *Server) beginHrana(w http.ResponseWriter, r *http.Request, v any, shape bodyShape, exempt func() bool) bool {
	if !s.readJSON(w, r, v, shape) {
		return false
	}
	if exempt == nil || !exempt() {
		if status, fail := s.faults.takeFailure(); fail {
			writeError(w, status, fmt.Sprintf("tursotest: injected failure (HTTP %d) by FailNextRequests", status))
			return false
		}
	}
	return s.faults.wait(r.Context()) == nil // else client or server gone
}

// readJSON reads the request body, bounded by the body limit, into v. A body
// that sqld cannot decode is a protocol error with serde_json's message
// (libsql-server/src/hrana/http/mod.rs:226-241, src/hrana/mod.rs:28-29).
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any, shape bodyShape) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("tursotest: request body exceeds the limit of %d bytes", s.opts.maxBody))
		return false
	case err != nil:
		writeError(w, http.StatusBadRequest, "tursotest: read request body: "+err.Error())
		return false
	}
	msg := serdeDecodeMessage(body, shape)
	if msg == "" {
		if err := json.Unmarshal(body, v); err != nil {
			msg = err.Error()
		}
	}
	if msg != "" {
		s.writeFailure(w, &protoError{msg: "Cannot deserialize client message from JSON: " + msg})
		return false
	}
	return true
}

// servePipeline serves POST /v2/pipeline and /v3/pipeline as sqld's
// handle_pipeline does (libsql-server/src/hrana/http/mod.rs:105-130): the
// requests run in order; a failed statement is an "error" result, while a
// protocol error fails the whole HTTP request and closes the stream.
func (s *Server) servePipeline(w http.ResponseWriter, r *http.Request, version int) {
	s.stats.pipelineRequests.Add(1)
	var req pipelineReq
	closeOnly := func() bool {
		for _, q := range req.Requests {
			if q.Type != "close" {
				return false
			}
		}
		return true
	}
	if !s.beginHrana(w, r, &req, shapePipeline, closeOnly) {
		return
	}
	ctx := r.Context()
	st, err := s.reg.acquire(ctx, req.Baton)
	if err != nil {
		s.log.Debug("tursotest: pipeline rejected", "err", err)
		s.writeFailure(w, err)
		return
	}
	if s.opts.profile == ProfileTursoCloud {
		for i := range req.Requests {
			if req.Requests[i].Type == "close" && i != len(req.Requests)-1 {
				s.reg.drop(st)
				s.writeFailure(w, errCloseNotLast)
				return
			}
		}
	}
	o := &ops{eng: s.eng, version: version, sqls: st.sqls, profile: s.opts.profile}
	results := make([]streamResult, len(req.Requests))
	for i := range req.Requests {
		resp, err := s.pipelineStep(r, o, st, &req.Requests[i])
		var he *hranaError
		switch {
		case errors.As(err, &he):
			results[i] = streamResult{Type: "error", Error: he}
		case err != nil:
			s.log.Debug("tursotest: protocol error, stream closed", "err", err)
			s.reg.drop(st)
			s.writeFailure(w, err)
			return
		default:
			results[i] = streamResult{Type: "ok", Response: resp}
		}
	}
	st.session = st.session || o.session
	if s.opts.stateless && st.db != nil && !st.session && len(st.sqls) == 0 {
		if auto, err := s.eng.autocommit(ctx, st.db); err == nil && auto {
			s.reg.closeStream(st) // PROTOCOL.md 4.3: a stateless stream may close
		}
	}
	baton := s.reg.release(st)
	// PipelineRespBody, fields in declaration order (libsql-hrana/src/proto.rs:15-23).
	b := append(s.appendBaton([]byte(`{"baton":`), baton), `,"base_url":null,"results":`...)
	b = append(b, mustJSON(results)...)
	writeJSON(w, http.StatusOK, append(s.appendTTL(b, baton), '}'))
}

// appendBaton appends the JSON value of a baton ("" is null).
func (s *Server) appendBaton(b []byte, baton string) []byte {
	if baton == "" {
		return append(b, "null"...)
	}
	return appendString(b, baton)
}

// appendTTL appends ,"stream_ttl_ms":N when WithStreamTTLField is on and the
// stream lives on.
func (s *Server) appendTTL(b []byte, baton string) []byte {
	if !s.opts.ttlField || baton == "" {
		return b
	}
	b = append(b, `,"stream_ttl_ms":`...)
	return strconv.AppendInt(b, s.opts.streamExpiry.Milliseconds(), 10)
}

// pipelineStep runs one request of a pipeline. As in sqld's try_handle
// (libsql-server/src/hrana/http/request.rs:45-136), close, store_sql and
// close_sql work on a closed stream; the others need its database.
func (s *Server) pipelineStep(r *http.Request, o *ops, st *httpStream, req *streamReq) (response, error) {
	switch req.Type {
	case "close":
		s.reg.closeStream(st)
		return okResponse("close"), nil
	case "store_sql", "close_sql":
		return o.handleV2(r.Context(), nil, req)
	case "get_autocommit":
		if o.version < hrana3 {
			return nil, notSupportedRequest("get_autocommit", hrana3)
		}
	}
	if st.db == nil {
		return nil, errStreamClosed
	}
	return o.handle(r.Context(), st.db, req)
}

// cursorReq is a Hrana-over-HTTP CursorReqBody.
type cursorReq struct {
	Baton *string   `json:"baton"`
	Batch *batchReq `json:"batch"`
}

// serveCursor serves POST /v3/cursor: it runs the batch, then writes the
// CursorRespBody and the cursor entries as lines of JSON, ending with the
// replication_index entry (libsql-server/src/hrana/http/mod.rs:132-224,
// src/hrana/cursor.rs:255-267; PROTOCOL.md 7.2.6).
func (s *Server) serveCursor(w http.ResponseWriter, r *http.Request) {
	var req cursorReq
	if !s.beginHrana(w, r, &req, shapeCursor, nil) {
		return
	}
	if req.Batch == nil {
		s.writeFailure(w, &protoError{msg: "Cannot deserialize client message from JSON: invalid type: null, expected struct Batch"})
		return
	}
	st, err := s.reg.acquire(r.Context(), req.Baton)
	if err != nil {
		s.writeFailure(w, err)
		return
	}
	o := &ops{eng: s.eng, version: hrana3, sqls: st.sqls, profile: s.opts.profile}
	res, err := o.batch(r.Context(), st.db, req.Batch)
	var he *hranaError
	if err != nil && !errors.As(err, &he) {
		s.reg.drop(st)
		s.writeFailure(w, err)
		return
	}
	if he != nil && s.opts.profile.sqldLike() {
		// handle_cursor converts the batch before it answers; an error
		// there that is not a ProtocolError reaches axum as
		// Error::Anyhow: 500 (mod.rs:147, src/error.rs:165-167).
		s.reg.drop(st)
		s.writeFailure(w, &internalError{msg: he.Message})
		return
	}
	st.session = st.session || o.session
	baton := s.reg.release(st)
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	b := append(s.appendBaton([]byte(`{"baton":`), baton), `,"base_url":null`...)
	_, _ = w.Write(append(append(s.appendTTL(b, baton), '}'), '\n'))
	for _, e := range cursorEntries(req.Batch, res, he) {
		_, _ = w.Write(append(e, '\n'))
	}
}

// serveV1 serves POST /v1/execute and /v1/batch, each on a fresh stream.
func (s *Server) serveV1(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Stmt  *stmtReq  `json:"stmt"`
		Batch *batchReq `json:"batch"`
	}
	shape := shapeExecute
	if r.URL.Path == "/v1/batch" {
		shape = shapeBatch
	}
	if !s.beginHrana(w, r, &req, shape, nil) {
		return
	}
	ctx := r.Context()
	db, err := s.eng.openStream(ctx)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, mustJSON(sqlError(ctx, err)))
		return
	}
	defer s.eng.closeStream(db)
	o := &ops{eng: s.eng, version: hrana1, sqls: map[int32]string{}, profile: s.opts.profile}
	var res any
	switch {
	case r.URL.Path == "/v1/execute" && req.Stmt != nil:
		res, err = o.execute(ctx, db, req.Stmt)
	case r.URL.Path == "/v1/batch" && req.Batch != nil:
		res, err = o.batch(ctx, db, req.Batch)
	default:
		err = &protoError{msg: `request body needs "stmt" (/v1/execute) or "batch" (/v1/batch)`}
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, mustJSON(&hranaError{Message: err.Error(), Code: errorCode(err)}))
		return
	}
	writeJSON(w, http.StatusOK, mustJSON(map[string]any{"result": res}))
}

// errorCode returns the Hrana code of err.
func errorCode(err error) string {
	var he *hranaError
	if errors.As(err, &he) {
		return he.Code
	}
	return "PROTOCOL_ERROR"
}
