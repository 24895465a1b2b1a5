package tursotest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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

// errStreamClosed is the protocol error for a request after "close".
var errStreamClosed = &protoError{msg: "Stream for this baton was closed"}

// beginHrana runs the checks common to Hrana HTTP requests: reading and
// decoding the body into v, injected failures (unless exempt says the
// request only closes a stream), and the request delay. It writes the error
// response and returns false when the request must stop.
func (s *Server) beginHrana(w http.ResponseWriter, r *http.Request, v any, exempt func() bool) bool {
	if !s.readJSON(w, r, v) {
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

// readJSON reads the request body, bounded by the body limit, into v.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
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
	if err := json.Unmarshal(body, v); err != nil {
		writeProtoError(w, &protoError{msg: "Cannot deserialize client message from JSON: " + err.Error()})
		return false
	}
	return true
}

// writeProtoError answers a protocol violation with 400. The body is a Hrana
// Error that also carries "error", the field the upstream Go client reads.
func writeProtoError(w http.ResponseWriter, err error) {
	var he *hranaError
	if errors.As(err, &he) && he.Code == errExpired.Code {
		// Exactly what sqld sends for an expired stream.
		writeJSON(w, http.StatusBadRequest, mustJSON(he))
		return
	}
	writeJSON(w, http.StatusBadRequest, mustJSON(map[string]string{
		"error": err.Error(), "message": err.Error(), "code": "PROTOCOL_ERROR",
	}))
}

// servePipeline serves POST /v2/pipeline and /v3/pipeline.
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
	if !s.beginHrana(w, r, &req, closeOnly) {
		return
	}
	ctx := r.Context()
	st, err := s.reg.acquire(ctx, req.Baton)
	if err != nil {
		s.log.Debug("tursotest: pipeline rejected", "err", err)
		writeProtoError(w, err)
		return
	}
	o := &ops{eng: s.eng, version: version, sqls: st.sqls}
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
			writeProtoError(w, err)
			return
		default:
			results[i] = streamResult{Type: "ok", Response: resp}
		}
	}
	var baton *string
	if b := s.reg.release(st); b != "" {
		baton = &b
	}
	writeJSON(w, http.StatusOK, mustJSON(map[string]any{"baton": baton, "base_url": nil, "results": results}))
}

// pipelineStep runs one request of a pipeline.
func (s *Server) pipelineStep(r *http.Request, o *ops, st *httpStream, req *streamReq) (response, error) {
	if st.db == nil {
		return nil, errStreamClosed
	}
	if req.Type == "close" {
		s.reg.closeStream(st)
		return okResponse("close"), nil
	}
	return o.handle(r.Context(), st.db, req)
}

// cursorReq is a Hrana-over-HTTP CursorReqBody.
type cursorReq struct {
	Baton *string   `json:"baton"`
	Batch *batchReq `json:"batch"`
}

// serveCursor serves POST /v3/cursor: it runs the batch, then writes the
// CursorRespBody and the cursor entries as lines of JSON.
func (s *Server) serveCursor(w http.ResponseWriter, r *http.Request) {
	var req cursorReq
	if !s.beginHrana(w, r, &req, nil) {
		return
	}
	if req.Batch == nil {
		writeProtoError(w, &protoError{msg: `cursor request has no "batch"`})
		return
	}
	st, err := s.reg.acquire(r.Context(), req.Baton)
	if err != nil {
		writeProtoError(w, err)
		return
	}
	o := &ops{eng: s.eng, version: hrana3, sqls: st.sqls}
	res, err := o.batch(r.Context(), st.db, req.Batch)
	var he *hranaError
	if err != nil && !errors.As(err, &he) {
		s.reg.drop(st)
		writeProtoError(w, err)
		return
	}
	var baton *string
	if b := s.reg.release(st); b != "" {
		baton = &b
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(mustJSON(map[string]any{"baton": baton, "base_url": nil}), '\n'))
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
	if !s.beginHrana(w, r, &req, nil) {
		return
	}
	ctx := r.Context()
	db, err := s.eng.openStream(ctx)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, mustJSON(sqlError(ctx, err)))
		return
	}
	defer s.eng.closeStream(db)
	o := &ops{eng: s.eng, version: hrana1, sqls: map[int32]string{}}
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
