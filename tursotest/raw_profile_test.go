package tursotest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// answer is an HTTP answer: status, Content-Type and body, byte for byte.
type answer struct {
	status   int
	ct, body string
}

const jsonCT = "application/json"

// profiles lists every profile.
var profiles = []Profile{ProfileSqld, ProfileSqldLegacy, ProfileTursoCloud}

// textAnswer is sqld's answer to a protocol error.
func textAnswer(msg string) answer { return answer{400, "text/plain", msg} }

// sqldAndCloud returns the same answer for both sqld profiles and another
// for Turso Cloud.
func sqldAndCloud(sqld, cloud answer) map[Profile]answer {
	return map[Profile]answer{ProfileSqld: sqld, ProfileSqldLegacy: sqld, ProfileTursoCloud: cloud}
}

// pipelineBody returns a pipeline request body on baton ("" opens a stream).
func pipelineBody(baton string, requests ...string) string {
	b := "null"
	if baton != "" {
		b = `"` + baton + `"`
	}
	return `{"baton":` + b + `,"requests":[` + strings.Join(requests, ",") + `]}`
}

// openStream opens a stream with one SELECT 1 and returns its baton.
func openStream(t *testing.T, srv *Server) string {
	t.Helper()
	status, baton, _, m := pipeline(t, srv, "v2", nil, execSelect1)
	b, ok := baton.(string)
	if status != 200 || !ok {
		t.Fatalf("open stream: %d %v", status, m)
	}
	return b
}

func TestRawHTTPAnswers(t *testing.T) {
	expired := answer{400, jsonCT, `{"message":"The stream has expired due to inactivity","code":"STREAM_EXPIRED"}`}
	legacyExpired := expired
	legacyExpired.status = 500
	cloud404 := func(msg string) answer { return answer{404, jsonCT, `{"error":"stream not found: ` + msg + `"}`} }
	deser := "Cannot deserialize client message from JSON: "
	both := func(msg string) map[Profile]answer {
		return sqldAndCloud(textAnswer(msg), answer{400, jsonCT, `{"error":` + string(appendSerdeString(nil, msg)) + `}`})
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, srv *Server) (path, body string)
		want  map[Profile]answer
	}{
		{"expired-baton", func(t *testing.T, srv *Server) (string, string) {
			b := openStream(t, srv)
			srv.ExpireStreams()
			return "/v2/pipeline", pipelineBody(b, execSelect1)
		}, map[Profile]answer{
			ProfileSqld:       expired,
			ProfileSqldLegacy: legacyExpired,
			ProfileTursoCloud: cloud404("the stream expired after being idle"),
		}},
		{"unknown-stream", func(t *testing.T, srv *Server) (string, string) {
			b := openStream(t, srv)
			if status, _, _, m := pipeline(t, srv, "v2", b, closeReq); status != 200 {
				t.Fatalf("close: %d %v", status, m)
			}
			return "/v2/pipeline", pipelineBody(b, execSelect1)
		}, sqldAndCloud(textAnswer("Received an invalid baton"), cloud404("no stream is open for this baton"))},
		{"malformed-baton", func(*testing.T, *Server) (string, string) {
			return "/v2/pipeline", pipelineBody("AAAA", execSelect1)
		}, sqldAndCloud(textAnswer("Received an invalid baton"),
			answer{400, jsonCT, `{"error":"malformed baton: it is not a baton this server issued"}`})},
		{"forged-baton", func(*testing.T, *Server) (string, string) {
			return "/v2/pipeline", pipelineBody(strings.Repeat("A", 64), execSelect1) // 48 zero bytes: bad MAC
		}, sqldAndCloud(textAnswer("Received an invalid baton"), cloud404("no stream is open for this baton"))},
		{"reused-baton", func(t *testing.T, srv *Server) (string, string) {
			b1 := openStream(t, srv)
			if status, _, _, m := pipeline(t, srv, "v2", b1, execSelect1); status != 200 {
				t.Fatalf("second request: %d %v", status, m)
			}
			return "/v2/pipeline", pipelineBody(b1, execSelect1)
		}, sqldAndCloud(textAnswer("Received a baton that has already been used"),
			cloud404("the baton is not from the stream's latest response"))},
		{"undecodable-body", func(*testing.T, *Server) (string, string) {
			return "/v2/pipeline", `{"baton":null,"requests":[`
		}, both(deser + "EOF while parsing a list at line 1 column 26")},
		{"not-json", func(*testing.T, *Server) (string, string) {
			return "/v3/pipeline", "hello"
		}, both(deser + "expected value at line 1 column 1")},
		{"empty-body", func(*testing.T, *Server) (string, string) {
			return "/v2/pipeline", ""
		}, both(deser + "EOF while parsing a value at line 1 column 0")},
		{"unknown-request-type", func(*testing.T, *Server) (string, string) {
			return "/v2/pipeline", `{"baton":null,"requests":[{"type":"frobnicate"}]}`
		}, both(deser + "unknown variant `frobnicate`, expected one of `close`, `execute`, `batch`, `sequence`, `describe`, `store_sql`, `close_sql`, `get_autocommit` at line 1 column 46")},
		{"missing-requests", func(*testing.T, *Server) (string, string) {
			return "/v2/pipeline", `{"baton":null}`
		}, both(deser + "missing field `requests` at line 1 column 14")},
		{"request-after-close", func(*testing.T, *Server) (string, string) {
			return "/v2/pipeline", pipelineBody("", closeReq, execSelect1)
		}, sqldAndCloud(textAnswer("Stream for this baton was closed"),
			answer{400, jsonCT, `{"error":"a close request must be the last request of the pipeline"}`})},
		{"statement-error", func(*testing.T, *Server) (string, string) {
			return "/v2/pipeline", pipelineBody("", `{"type":"execute","stmt":{"sql":"SELECT * FROM nosuch"}}`, closeReq)
		}, sqldAndCloud(answer{200, jsonCT, `{"baton":null,"base_url":null,"results":[{"type":"error","error":{"message":"no such table: nosuch","code":"SQLITE_ERROR"}},{"type":"ok","response":{"type":"close"}}]}`},
			answer{200, jsonCT, `{"baton":null,"base_url":null,"results":[{"type":"error","error":{"message":"no such table: nosuch","code":"SQLITE_ERROR"}},{"type":"ok","response":{"type":"close"}}]}`})},
		{"unknown-path", func(*testing.T, *Server) (string, string) {
			return "/v9/pipeline", "{}"
		}, sqldAndCloud(answer{404, "", ""},
			answer{404, jsonCT, `{"error":"tursotest: no endpoint /v9/pipeline; the endpoints are /v2/pipeline, /v3/pipeline and /v3/cursor"}`})},
	}
	for _, p := range profiles {
		srv := NewTestServer(t, WithProfile(p))
		for _, tc := range tests {
			t.Run("profile="+p.String()+"/case="+tc.name, func(t *testing.T) {
				path, body := tc.setup(t, srv)
				status, ct, got := rawAnswer(t, srv, path, body)
				if w := tc.want[p]; status != w.status || ct != w.ct || got != w.body {
					t.Fatalf("got %d %q %q\nwant %d %q %q", status, ct, got, w.status, w.ct, w.body)
				}
			})
		}
	}
}

func TestRawHTTPAuthAnswers(t *testing.T) {
	unauthorized := func(msg string) answer {
		return answer{401, jsonCT, `{"error":` + string(appendSerdeString(nil, msg)) + `}`}
	}
	tests := []struct {
		name, auth string
		want       map[Profile]answer
	}{
		{"missing-token", "", map[Profile]answer{
			ProfileSqld:       unauthorized("Unauthorized: `Expected authorization header but none given`"),
			ProfileSqldLegacy: unauthorized("Unauthorized: `The `Authorization` HTTP header is required but was not specified`"),
			ProfileTursoCloud: unauthorized(`Unauthorized: the Authorization header is missing; send "Bearer <token>"`),
		}},
		{"wrong-token", "Bearer nope", map[Profile]answer{
			ProfileSqld:       unauthorized("Unauthorized: `The JWT is invalid`"),
			ProfileSqldLegacy: unauthorized("Unauthorized: `The JWT is invalid`"),
			ProfileTursoCloud: unauthorized("Unauthorized: the token is invalid"),
		}},
		{"basic-scheme", "Basic dG9r", map[Profile]answer{
			ProfileSqld:       unauthorized("Unauthorized: `The authentication scheme in the `Authorization` HTTP header is not supported`"),
			ProfileSqldLegacy: unauthorized("Unauthorized: `The `Basic` HTTP authentication scheme is not allowed`"),
			ProfileTursoCloud: unauthorized(`Unauthorized: the Authorization header is not "Bearer <token>"`),
		}},
		{"no-scheme", "tok", map[Profile]answer{
			ProfileSqld:       unauthorized("Unauthorized: `Auth string does not conform to '<scheme> <token>' form`"),
			ProfileSqldLegacy: unauthorized("Unauthorized: `The `Authorization` HTTP header has invalid value`"),
			ProfileTursoCloud: unauthorized(`Unauthorized: the Authorization header is not "Bearer <token>"`),
		}},
		{"right-token", "Bearer tok", sqldAndCloud(
			answer{200, jsonCT, `{"baton":null,"base_url":null,"results":[{"type":"ok","response":{"type":"close"}}]}`},
			answer{200, jsonCT, `{"baton":null,"base_url":null,"results":[{"type":"ok","response":{"type":"close"}}]}`})},
	}
	for _, p := range profiles {
		srv := NewTestServer(t, WithProfile(p), WithAuthToken("tok"))
		for _, tc := range tests {
			t.Run("profile="+p.String()+"/case="+tc.name, func(t *testing.T) {
				var header []string
				if tc.auth != "" {
					header = []string{"Authorization", tc.auth}
				}
				status, ct, got := rawAnswer(t, srv, "/v2/pipeline", pipelineBody("", closeReq), header...)
				if w := tc.want[p]; status != w.status || ct != w.ct || got != w.body {
					t.Fatalf("got %d %q %q\nwant %d %q %q", status, ct, got, w.status, w.ct, w.body)
				}
			})
		}
	}
	// sqld also reads x-authorization when Authorization is absent
	// (jwt.rs:29-32).
	srv := NewTestServer(t, WithAuthToken("tok"))
	if status, _, body := rawAnswer(t, srv, "/v2/pipeline", pipelineBody("", closeReq), "X-Authorization", "Bearer tok"); status != 200 {
		t.Fatalf("x-authorization: %d %s", status, body)
	}
}

// TestRawHTTPBusyBaton sends a stream's baton while a request on it waits
// for another stream's write lock.
func TestRawHTTPBusyBaton(t *testing.T) {
	for _, p := range []Profile{ProfileSqld, ProfileTursoCloud} {
		t.Run("profile="+p.String(), func(t *testing.T) {
			srv := NewTestServer(t, WithProfile(p))
			if status, _, _, m := pipeline(t, srv, "v2", nil, `{"type":"sequence","sql":"CREATE TABLE t (a)"}`, closeReq); status != 200 {
				t.Fatalf("create: %d %v", status, m)
			}
			_, lockB, _, _ := pipeline(t, srv, "v2", nil, `{"type":"execute","stmt":{"sql":"BEGIN IMMEDIATE"}}`)
			b := openStream(t, srv)
			done := make(chan int, 1)
			go func() {
				status, _, _ := rawAnswer(t, srv, "/v2/pipeline", pipelineBody(b, `{"type":"execute","stmt":{"sql":"INSERT INTO t VALUES (1)"}}`))
				done <- status
			}()
			eventually(t, "the stream to be busy", func() bool {
				srv.reg.mu.Lock()
				defer srv.reg.mu.Unlock()
				for _, st := range srv.reg.streams {
					if st.busy {
						return true
					}
				}
				return false
			})
			status, ct, body := rawAnswer(t, srv, "/v2/pipeline", pipelineBody(b, execSelect1))
			want := textAnswer("Received a baton that has already been used")
			if p == ProfileTursoCloud {
				want = answer{404, jsonCT, `{"error":"stream not found: the stream is busy with another request"}`}
			}
			if status != want.status || ct != want.ct || body != want.body {
				t.Errorf("busy baton: got %d %q %q, want %+v", status, ct, body, want)
			}
			pipeline(t, srv, "v2", lockB, `{"type":"execute","stmt":{"sql":"COMMIT"}}`)
			if s := <-done; s != 200 {
				t.Errorf("blocked request: %d", s)
			}
		})
	}
}

func TestRawHTTPCloudOptions(t *testing.T) {
	srv := NewTestServer(t, WithProfile(ProfileTursoCloud), WithStatelessClose(true),
		WithStreamTTLField(true), WithStreamExpiry(7*time.Second))
	post := func(baton string, reqs ...string) (string, map[string]any) {
		t.Helper()
		status, _, body := rawAnswer(t, srv, "/v3/pipeline", pipelineBody(baton, reqs...))
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); status != 200 || err != nil {
			t.Fatalf("%d %s", status, body)
		}
		b, _ := m["baton"].(string)
		return b, m
	}
	// A stream without state is closed after the response, without
	// stream_ttl_ms.
	if b, m := post("", execSelect1); b != "" || m["stream_ttl_ms"] != nil {
		t.Errorf("stateless pipeline: %v", m)
	}
	// An open transaction keeps it; stream_ttl_ms follows the results.
	status, _, body := rawAnswer(t, srv, "/v3/pipeline", pipelineBody("", `{"type":"execute","stmt":{"sql":"BEGIN"}}`))
	if status != 200 || !strings.HasPrefix(body, `{"baton":"`) || !strings.HasSuffix(body, `],"stream_ttl_ms":7000}`) {
		t.Fatalf("transaction: %d %s", status, body)
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	// ROLLBACK ends the transaction: the stream closes.
	if b, m := post(m["baton"].(string), `{"type":"execute","stmt":{"sql":"ROLLBACK"}}`); b != "" {
		t.Errorf("after ROLLBACK: %v", m)
	}
	// Stored SQL and session state keep the stream.
	for _, req := range []string{
		`{"type":"store_sql","sql_id":1,"sql":"SELECT 1"}`,
		`{"type":"execute","stmt":{"sql":"PRAGMA foreign_keys = ON"}}`,
		`{"type":"execute","stmt":{"sql":"CREATE TEMP TABLE x (a)"}}`,
	} {
		if b, m := post("", req); b == "" || m["stream_ttl_ms"] != 7000.0 {
			t.Errorf("%s: %v", req, m)
		}
	}
	// store_sql replaces a stored text (PROTOCOL.md 6.5).
	b, _ := post("", `{"type":"store_sql","sql_id":1,"sql":"SELECT 1"}`)
	if _, m := post(b, `{"type":"store_sql","sql_id":1,"sql":"SELECT 2"}`, `{"type":"execute","stmt":{"sql_id":1}}`); result(m["results"].([]any), 1) != "ok:execute" {
		t.Errorf("replaced sql_id: %v", m)
	}
	// A cursor stream is kept, and its first line carries stream_ttl_ms.
	status, _, body = rawAnswer(t, srv, "/v3/cursor", `{"baton":null,"batch":{"steps":[{"stmt":{"sql":"SELECT 1"}}]}}`)
	first, _, _ := strings.Cut(body, "\n")
	if status != 200 || !strings.HasPrefix(first, `{"baton":"`) || !strings.HasSuffix(first, `","base_url":null,"stream_ttl_ms":7000}`) {
		t.Errorf("cursor: %d %q", status, first)
	}

	// Without the options, the Cloud profile keeps streams and sends no
	// stream_ttl_ms, like sqld.
	plain := NewTestServer(t, WithProfile(ProfileTursoCloud))
	_, baton, _, m2 := pipeline(t, plain, "v3", nil, execSelect1)
	if baton == nil || m2["stream_ttl_ms"] != nil {
		t.Errorf("default Cloud profile: %v", m2)
	}
}

// TestRawHTTPParams checks how Stmt arguments bind, as sqld's Params::bind
// does.
func TestRawHTTPParams(t *testing.T) {
	integer := func(v string) string { return `{"type":"integer","value":"` + v + `"}` }
	named := func(kv ...string) string {
		var parts []string
		for i := 0; i+1 < len(kv); i += 2 {
			parts = append(parts, `{"name":"`+kv[i]+`","value":`+integer(kv[i+1])+`}`)
		}
		return `"named_args":[` + strings.Join(parts, ",") + `]`
	}
	args := func(vs ...string) string {
		var parts []string
		for _, v := range vs {
			parts = append(parts, integer(v))
		}
		return `"args":[` + strings.Join(parts, ",") + `]`
	}
	const invalid = "error:ARGS_INVALID: Arguments do not match SQL parameters: "
	tests := []struct {
		sql, args string
		sqld      string // "1,2,..." for the row, or "error:CODE: message"
		cloud     string // when it differs
	}{
		{"SELECT :b, :a, ?1", named("a", "1", "b", "2"), "2,1,2", ""},
		{"SELECT ?2, ?1", args("1", "2"), "2,1", ""},
		{"SELECT ?, ?3", args("1", "2", "3"), "1,3", ""},
		{"SELECT $2, $1", named("1", "10", "2", "20"), "20,10", ""},
		{"SELECT :x, $1", named("x", "1", "1", "2"), "1,2", ""},
		{"SELECT :a", named(":a", "5"), "5", ""},
		{"SELECT :a", named("@a", "5"), invalid + "value for parameter :a not found", "5"},
		{"SELECT :a", named("a", "1", "b", "2"), invalid + "too many parameters, expected 1 found 2", ""},
		{"SELECT :a", named("a", "1", "a", "2"), "2", ""},
		{"SELECT ?", `"args":[]`, invalid + "value for parameter 1 not found", ""},
		{"SELECT :a", args("1"), invalid + "value for parameter :a not found", ""},
		{"SELECT ?1", named("a", "1"), invalid + "value for parameter ?1 not found", ""},
		{"SELECT 1", args("1"), invalid + "too many parameters, expected 0 found 1", ""},
		{"SELECT ?", args("1") + "," + named("a", "1"), "error:ARGS_BOTH_POSITIONAL_AND_NAMED: Specifying both positional and named arguments is not supported", ""},
	}
	for _, p := range []Profile{ProfileSqld, ProfileTursoCloud} {
		srv := NewTestServer(t, WithProfile(p))
		for _, tc := range tests {
			want := tc.sqld
			if p == ProfileTursoCloud && tc.cloud != "" {
				want = tc.cloud
			}
			req := `{"type":"execute","stmt":{"sql":"` + tc.sql + `",` + tc.args + `}}`
			status, _, results, m := pipeline(t, srv, "v2", nil, req, closeReq)
			if status != 200 {
				t.Fatalf("%s %s: %d %v", p, req, status, m)
			}
			if got := stmtOutcome(results[0]); got != want {
				t.Errorf("%s: %s %s = %s, want %s", p, tc.sql, tc.args, got, want)
			}
		}
	}
	// In a batch, a statement that cannot bind fails its step only; one
	// that mixes both kinds of arguments fails the whole batch.
	srv := NewTestServer(t)
	_, _, results, _ := pipeline(t, srv, "v2", nil,
		`{"type":"batch","batch":{"steps":[{"stmt":{"sql":"SELECT ?"}},{"stmt":{"sql":"SELECT 1"}}]}}`,
		`{"type":"batch","batch":{"steps":[{"stmt":{"sql":"SELECT 1"}},{"stmt":{"sql":"SELECT ?",`+args("1")+`,`+named("a", "1")+`}}]}}`,
		closeReq)
	if got := batchOutcome(results[0]); got != "er" {
		t.Errorf("batch with an unbound parameter = %s, want er", got)
	}
	if got := stmtOutcome(results[1]); got != "error:ARGS_BOTH_POSITIONAL_AND_NAMED: Specifying both positional and named arguments is not supported" {
		t.Errorf("batch mixing arguments = %s", got)
	}
}

// stmtOutcome returns an execute result's single row as "v1,v2,...", or
// "error:CODE: message".
func stmtOutcome(r any) string {
	m, _ := r.(map[string]any)
	if m["type"] == "error" {
		e, _ := m["error"].(map[string]any)
		return "error:" + e["code"].(string) + ": " + e["message"].(string)
	}
	res := m["response"].(map[string]any)["result"].(map[string]any)
	rows := res["rows"].([]any)
	if len(rows) != 1 {
		return "rows: " + string(mustJSON(rows))
	}
	var vals []string
	for _, v := range rows[0].([]any) {
		vals = append(vals, v.(map[string]any)["value"].(string))
	}
	return strings.Join(vals, ",")
}

// batchOutcome returns a batch result as one letter per step: r (result),
// e (error) or - (skipped).
func batchOutcome(r any) string {
	batch := r.(map[string]any)["response"].(map[string]any)["result"].(map[string]any)
	out := ""
	for i := range batch["step_results"].([]any) {
		switch {
		case batch["step_results"].([]any)[i] != nil:
			out += "r"
		case batch["step_errors"].([]any)[i] != nil:
			out += "e"
		default:
			out += "-"
		}
	}
	return out
}

// TestRawHTTPAutocommitAfterRollback checks is_autocommit conditions and
// get_autocommit around a ROLLBACK inside a batch: they report SQLite's
// autocommit flag, as sqld does.
func TestRawHTTPAutocommitAfterRollback(t *testing.T) {
	srv := NewTestServer(t)
	stmt := func(sql, cond string) string {
		if cond != "" {
			cond = `,"condition":` + cond
		}
		return `{"stmt":{"sql":"` + sql + `"}` + cond + `}`
	}
	batch := func(steps ...string) string {
		return `{"type":"batch","batch":{"steps":[` + strings.Join(steps, ",") + `]}}`
	}
	const (
		auto    = `{"type":"is_autocommit"}`
		notAuto = `{"type":"not","cond":{"type":"is_autocommit"}}`
		getAuto = `{"type":"get_autocommit"}`
	)
	status, _, results, m := pipeline(t, srv, "v3", nil,
		`{"type":"sequence","sql":"CREATE TABLE t (a INTEGER PRIMARY KEY)"}`,
		// 1: BEGIN, write, ROLLBACK in one batch.
		batch(stmt("BEGIN", ""), stmt("INSERT INTO t VALUES (1)", ""), stmt("ROLLBACK", ""),
			stmt("SELECT 1", auto), stmt("SELECT 2", notAuto)),
		getAuto,
		// 3: BEGIN in its own request, ROLLBACK in a batch.
		`{"type":"execute","stmt":{"sql":"BEGIN"}}`,
		batch(stmt("SELECT 1", notAuto), stmt("INSERT INTO t VALUES (2)", ""), stmt("ROLLBACK", ""), stmt("SELECT 2", auto)),
		getAuto,
		// 6: ROLLBACK TO a savepoint keeps the transaction open.
		batch(stmt("SAVEPOINT s", ""), stmt("ROLLBACK TO s", ""), stmt("SELECT 1", auto), stmt("SELECT 2", notAuto)),
		getAuto,
		batch(stmt("ROLLBACK", ""), stmt("SELECT 1", auto)),
		getAuto,
		// 10: a failing ROLLBACK (no transaction); "error" is true for it.
		batch(stmt("ROLLBACK", ""), stmt("SELECT 1", `{"type":"error","step":0}`), stmt("SELECT 2", auto)),
		// 11: "error" is true for a skipped step too.
		batch(stmt("SELECT 1", notAuto), stmt("SELECT 2", `{"type":"error","step":0}`), stmt("SELECT 3", `{"type":"ok","step":0}`)),
		`{"type":"execute","stmt":{"sql":"SELECT count(*) FROM t"}}`,
		closeReq,
	)
	if status != 200 {
		t.Fatalf("%d %v", status, m)
	}
	wantBatches := map[int]string{1: "rrrr-", 4: "rrrr", 6: "rr-r", 8: "rr", 10: "err", 11: "-r-"}
	for i, want := range wantBatches {
		if got := batchOutcome(results[i]); got != want {
			t.Errorf("batch %d = %s, want %s", i, got, want)
		}
	}
	wantAuto := map[int]bool{2: true, 5: true, 7: false, 9: true}
	for i, want := range wantAuto {
		if got := results[i].(map[string]any)["response"].(map[string]any)["is_autocommit"]; got != want {
			t.Errorf("get_autocommit %d = %v, want %v", i, got, want)
		}
	}
	if got := stmtOutcome(results[12]); got != "0" {
		t.Errorf("rows after rollbacks = %s, want 0", got)
	}
}

// TestSQLiteAutocommitDirect checks that autocommit reads SQLite's flag
// rather than falling back to the BEGIN probe.
func TestSQLiteAutocommitDirect(t *testing.T) {
	srv := NewTestServer(t)
	s, err := srv.eng.openStream(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.eng.closeStream(s)
	var ok bool
	if err := s.conn.Raw(func(dc any) error { _, ok = sqliteAutocommit(dc); return nil }); err != nil || !ok {
		t.Fatalf("sqlite3_get_autocommit not reachable (err %v): modernc.org/sqlite's conn changed", err)
	}
}

func TestSerdeDecodeMessage(t *testing.T) {
	tests := []struct {
		body, want string
	}{
		{`{"baton":null,"requests":[]}`, ""},
		{`{"baton":null,"requests":[{"type":"close"}],"extra":[1,{"a":null}]}`, ""},
		{``, "EOF while parsing a value at line 1 column 0"},
		{"  \n ", "EOF while parsing a value at line 2 column 1"},
		{`{`, "EOF while parsing an object at line 1 column 1"},
		{`{"baton"`, "EOF while parsing an object at line 1 column 8"},
		{`{"baton":nul}`, "expected ident at line 1 column 13"},
		{`{"baton" null}`, "expected `:` at line 1 column 10"},
		{`{baton:null}`, "key must be a string at line 1 column 2"},
		{`{"baton":null,}`, "trailing comma at line 1 column 15"},
		{`{"baton":null "requests":[]}`, "expected `,` or `}` at line 1 column 15"},
		{`{"requests":[{"type":"close"},]}`, "trailing comma at line 1 column 31"},
		{`{"requests":[{"type":"close"} {}]}`, "expected `,` or `]` at line 1 column 31"},
		{"{\"requests\":[],\n\"x\":01}", "invalid number at line 2 column 6"},
		{`{"requests":[],"x":[1,]}`, "expected value at line 1 column 23"},
		{`{"requests":[{"type":"close","x":1.}]}`, "invalid number at line 1 column 36"},
		{`{"requests":[{"type":"close","x":1e999}]}`, "number out of range at line 1 column 38"},
		{`{"requests":[{"type":"cl\ose"}]}`, "invalid escape at line 1 column 26"},
		{"{\"requests\":[{\"type\":\"a\tb\"}]}", "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 24"},
		{`{"requests":[{"type":"\udc00"}]}`, "lone leading surrogate in hex escape at line 1 column 28"},
		{`{"requests":[{"x":1}]}`, "missing field `type` at line 1 column 20"},
		{`{"requests":[]} x`, "trailing characters at line 1 column 17"},
		{strings.Repeat("[", 200), ""}, // the struct from a sequence: not reproduced
		{`{"requests":[{"type":"execute","stmt":` + strings.Repeat("[", 200), "recursion limit exceeded at line 1 column 163"},
	}
	for _, tc := range tests {
		if got := serdeDecodeMessage([]byte(tc.body), shapePipeline); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.body, got, tc.want)
		}
	}
}
