package tursotest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// rawPost posts body to path and returns the status and decoded JSON body.
func rawPost(t *testing.T, srv *Server, path, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(srv.HTTPURL()+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: body %q is not a JSON object: %v", path, data, err)
	}
	return resp.StatusCode, m
}

// pipeline posts a pipeline on baton (nil: new stream) and returns the
// status, the new baton and the results.
func pipeline(t *testing.T, srv *Server, version string, baton any, requests ...string) (int, any, []any, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(baton)
	status, m := rawPost(t, srv, "/"+version+"/pipeline", `{"baton":`+string(b)+`,"requests":[`+strings.Join(requests, ",")+`]}`)
	results, _ := m["results"].([]any)
	return status, m["baton"], results, m
}

// result returns results[i] as "ok:<response type>" or "error:<code>".
func result(results []any, i int) string {
	r, _ := results[i].(map[string]any)
	if r["type"] == "ok" {
		resp, _ := r["response"].(map[string]any)
		return "ok:" + resp["type"].(string)
	}
	e, _ := r["error"].(map[string]any)
	code, _ := e["code"].(string)
	return "error:" + code
}

const (
	execSelect1 = `{"type":"execute","stmt":{"sql":"SELECT 1"}}`
	closeReq    = `{"type":"close"}`
)

// rawAnswer posts body to path and returns the status, Content-Type and
// body.
func rawAnswer(t *testing.T, srv *Server, path, body string, header ...string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.HTTPURL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(data)
}

func TestRawHTTPErrors(t *testing.T) {
	srv := NewTestServer(t, WithMaxBodyBytes(1024))
	const jsonCT = "application/json"
	tests := []struct {
		name, path, body string
		status           int
		ct, want         string
	}{
		{"v3-only-request-on-v2", "/v2/pipeline", `{"baton":null,"requests":[{"type":"get_autocommit"}]}`,
			400, "text/plain", "The `get_autocommit` request is only supported in protocol version hrana3 and higher"},
		{"v3-only-condition-on-v2", "/v2/pipeline", `{"baton":null,"requests":[{"type":"batch","batch":{"steps":[{"stmt":{"sql":"SELECT 1"},"condition":{"type":"is_autocommit"}}]}}]}`,
			400, "text/plain", "BatchCond of type `is_autocommit` is only supported in protocol version hrana3 and higher"},
		{"bad-batch-condition", "/v2/pipeline", `{"baton":null,"requests":[{"type":"batch","batch":{"steps":[{"stmt":{"sql":"SELECT 1"},"condition":{"type":"ok","step":0}}]}}]}`,
			400, "text/plain", "Invalid reference to step in a batch condition"},
		{"sql-and-sql-id", "/v2/pipeline", `{"baton":null,"requests":[{"type":"execute","stmt":{"sql":"SELECT 1","sql_id":1}}]}`,
			400, "text/plain", "Either `sql` or `sql_id` are required, but not both"},
		{"unknown-sql-id", "/v2/pipeline", `{"baton":null,"requests":[{"type":"execute","stmt":{"sql_id":7}}]}`,
			400, "text/plain", "SQL text 7 not found"},
		{"oversized-body", "/v2/pipeline", `{"baton":null,"requests":[` + strings.Repeat(execSelect1+",", 100) + execSelect1 + `]}`,
			413, jsonCT, `{"error":"tursotest: request body exceeds the limit of 1024 bytes"}`},
		{"unknown-path", "/v9/pipeline", `{}`, 404, "", ""},
	}
	for _, tc := range tests {
		t.Run("case="+tc.name, func(t *testing.T) {
			status, ct, body := rawAnswer(t, srv, tc.path, tc.body)
			if status != tc.status || ct != tc.ct || body != tc.want {
				t.Fatalf("got %d %q %q; want %d %q %q", status, ct, body, tc.status, tc.ct, tc.want)
			}
		})
	}
	// The server still serves new streams.
	if status, _, results, _ := pipeline(t, srv, "v2", nil, execSelect1); status != 200 || result(results, 0) != "ok:execute" {
		t.Fatalf("server unusable after bad requests: %d %v", status, results)
	}
}

func TestRawHTTPBatons(t *testing.T) {
	srv := NewTestServer(t)
	_, b1, _, _ := pipeline(t, srv, "v2", nil, execSelect1)
	status, b2, results, _ := pipeline(t, srv, "v2", b1, execSelect1)
	if status != 200 || b2 == nil || b2 == b1 || result(results, 0) != "ok:execute" {
		t.Fatalf("second request: %d baton %v (was %v) %v", status, b2, b1, results)
	}
	// close returns a null baton.
	_, b4, _, _ := pipeline(t, srv, "v2", nil, execSelect1)
	if _, b, results, _ := pipeline(t, srv, "v2", b4, closeReq); b != nil || result(results, 0) != "ok:close" {
		t.Fatalf("close: baton %v results %v", b, results)
	}
}

func TestRawHTTPRequests(t *testing.T) {
	srv := NewTestServer(t)
	status, baton, results, _ := pipeline(t, srv, "v3", nil,
		`{"type":"execute","stmt":{"sql":"SELECT 1; SELECT 2"}}`,
		`{"type":"execute","stmt":{"sql":"  -- nothing\n"}}`,
		`{"type":"execute","stmt":{"sql":"SELECT * FROM nosuch"}}`,
		`{"type":"sequence","sql":"CREATE TABLE t (a INT); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)"}`,
		`{"type":"store_sql","sql_id":7,"sql":"SELECT count(*) AS n FROM t WHERE a > ?"}`,
		`{"type":"execute","stmt":{"sql_id":7,"args":[{"type":"integer","value":"1"}]}}`,
		`{"type":"describe","sql":"SELECT a FROM t WHERE a = :x"}`,
		`{"type":"get_autocommit"}`,
		`{"type":"execute","stmt":{"sql":"BEGIN"}}`,
		`{"type":"batch","batch":{"steps":[
			{"stmt":{"sql":"SELECT 1"},"condition":{"type":"is_autocommit"}},
			{"stmt":{"sql":"SELECT nope"}},
			{"stmt":{"sql":"SELECT 3"},"condition":{"type":"error","step":1}},
			{"stmt":{"sql":"SELECT 4"},"condition":{"type":"and","conds":[{"type":"ok","step":2},{"type":"not","cond":{"type":"ok","step":0}}]}},
			{"stmt":{"sql":"SELECT 5"},"condition":{"type":"or","conds":[{"type":"ok","step":0},{"type":"ok","step":1}]}}
		]}}`,
		`{"type":"close_sql","sql_id":7}`,
	)
	if status != 200 || baton == nil {
		t.Fatalf("status %d baton %v", status, baton)
	}
	want := []string{"error:SQL_MANY_STATEMENTS", "error:SQL_NO_STATEMENT", "error:SQLITE_ERROR", "ok:sequence",
		"ok:store_sql", "ok:execute", "ok:describe", "ok:get_autocommit", "ok:execute", "ok:batch", "ok:close_sql"}
	for i, w := range want {
		if got := result(results, i); got != w {
			t.Errorf("result %d = %s, want %s", i, got, w)
		}
	}
	resp := func(i int) map[string]any {
		return results[i].(map[string]any)["response"].(map[string]any)
	}
	rows := resp(5)["result"].(map[string]any)["rows"].([]any)
	if v := rows[0].([]any)[0].(map[string]any)["value"]; v != "1" {
		t.Errorf("stored SQL with arg: count = %v, want \"1\"", v)
	}
	desc := resp(6)["result"].(map[string]any)
	if p := desc["params"].([]any)[0].(map[string]any)["name"]; p != ":x" || desc["is_readonly"] != true {
		t.Errorf("describe = %v", desc)
	}
	if resp(7)["is_autocommit"] != true {
		t.Errorf("get_autocommit = %v", resp(7))
	}
	batch := resp(9)["result"].(map[string]any)
	gotSteps := ""
	for i := range 5 {
		switch {
		case batch["step_results"].([]any)[i] != nil:
			gotSteps += "r"
		case batch["step_errors"].([]any)[i] != nil:
			gotSteps += "e"
		default:
			gotSteps += "-"
		}
	}
	// In a transaction: step 0 skipped, 1 fails, 2 runs, 3 runs, 4 skipped.
	if gotSteps != "-err-" {
		t.Errorf("batch steps = %s, want -err-", gotSteps)
	}
}

func TestRawHTTPEndpoints(t *testing.T) {
	srv := NewTestServer(t, WithAuthToken("tok"))
	tests := []struct {
		method, path string
		auth         bool
		status       int
	}{
		{"GET", "/health", false, 200},
		{"GET", "/version", false, 200},
		{"GET", "/v2", false, 200},
		{"GET", "/v3", true, 200},
		{"GET", "/v2/pipeline", true, 405},
		{"POST", "/v2/pipeline", false, 401},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest(tc.method, srv.HTTPURL()+tc.path, bytes.NewReader(nil))
		if tc.auth {
			req.Header.Set("Authorization", "Bearer tok")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
	}
}

func TestRawHTTPCursor(t *testing.T) {
	srv := NewTestServer(t)
	resp, err := http.Post(srv.HTTPURL()+"/v3/cursor", "application/json",
		strings.NewReader(`{"baton":null,"batch":{"steps":[{"stmt":{"sql":"SELECT 1 AS a UNION ALL SELECT 2"}},{"stmt":{"sql":"SELECT x"}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var types []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		types = append(types, e["type"].(string))
	}
	if got := strings.Join(types, ","); got != "step_begin,row,row,step_end,step_error,replication_index" {
		t.Fatalf("entries = %s", got)
	}
}
