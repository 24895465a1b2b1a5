package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/turso-pooled/tursopooled/benchmarks/wansim"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// maxCtlLine bounds one line of the control protocol (the setup answer
// carries the CA certificates).
const maxCtlLine = 1 << 20

// isServerProcess reports whether this process was started as the server
// process of a benchmark run.
func isServerProcess() bool { return os.Getenv(serverModeEnv) == "1" }

// serverMain is the whole server process: it pins itself, starts what the
// setup request asks for, answers control requests until its stdin ends
// (the parent closed it or exited, however it exited), then stops
// everything. It returns the exit status.
func serverMain(in io.Reader, out, stderr io.Writer) int {
	// Ctrl-C reaches the whole process group; the parent decides when the
	// servers stop, so that it can still write the cells measured so far.
	signal.Ignore(os.Interrupt)
	if want := os.Getenv(parentPIDEnv); want != "" && want != strconv.Itoa(os.Getppid()) {
		fmt.Fprintf(stderr, "benchmarks server process: parent %s is gone; exiting\n", want)
		return 3
	}
	s := &serverSide{servers: map[string]*tursotest.Server{}, proxies: map[string]*wansim.Proxy{}}
	defer s.close()
	s.pin(os.Getenv(serverCPUsEnv))
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxCtlLine)
	enc := json.NewEncoder(out)
	if !sc.Scan() {
		return 0 // the parent went away before the setup
	}
	var setup serverSetup
	if err := json.Unmarshal(sc.Bytes(), &setup); err != nil {
		_ = enc.Encode(ctlResponse{Err: "bad setup request: " + err.Error()})
		return 1
	}
	ready, err := s.start(setup)
	if err != nil {
		_ = enc.Encode(ctlResponse{Err: err.Error()})
		return 1
	}
	if err := enc.Encode(ctlResponse{Ready: ready}); err != nil {
		return 1
	}
	for sc.Scan() {
		var req ctlRequest
		resp := ctlResponse{}
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			resp.Err = "bad request: " + err.Error()
		} else {
			resp = s.handle(req)
		}
		if err := enc.Encode(resp); err != nil {
			return 1
		}
	}
	return 0
}

// serverSide is the state of the server process. Only serverMain's
// goroutine touches it.
type serverSide struct {
	servers map[string]*tursotest.Server // by transport
	proxies map[string]*wansim.Proxy     // by configuration|transport
	pinned  []int
	pinNote string
	window  *cpuWindow // of the probe in progress
}

// pin pins the process to the comma list of CPUs in list, if any.
func (s *serverSide) pin(list string) {
	if list == "" {
		return
	}
	var cpus []int
	for f := range strings.SplitSeq(list, ",") {
		c, err := strconv.Atoi(f)
		if err != nil {
			s.pinNote = fmt.Sprintf("bad CPU list %q", list)
			return
		}
		cpus = append(cpus, c)
	}
	if _, err := pinProcess(cpus); err != nil {
		s.pinNote = "not pinned: " + err.Error()
		return
	}
	s.pinned = cpus
}

// start starts one TLS server per transport and the proxies.
func (s *serverSide) start(setup serverSetup) (*serverReady, error) {
	ready := &serverReady{PID: os.Getpid(), Pinned: s.pinned, PinNote: s.pinNote,
		Servers: map[string]serverAddr{}, Proxies: map[string]string{}}
	for _, tr := range setup.Transports {
		srv, err := tursotest.NewServer(tursotest.WithTLS(), tursotest.WithAuthToken(setup.Token), tursotest.WithHTTP2(tr.HTTP2))
		if err != nil {
			return nil, fmt.Errorf("start %s server: %w", tr.Name, err)
		}
		s.servers[tr.Name] = srv
		ready.Servers[tr.Name] = serverAddr{Addr: srv.Addr(), CAPEM: srv.CACertPEM()}
	}
	for _, p := range setup.Proxies {
		srv, ok := s.servers[p.Transport]
		if !ok {
			return nil, fmt.Errorf("proxy %s: no server for transport %q", p.Key, p.Transport)
		}
		px, err := wansim.New(wansim.Config{Target: srv.Addr(), RTT: setup.RTT, ConnectRTT: true})
		if err != nil {
			return nil, fmt.Errorf("start proxy for %s: %w", p.Key, err)
		}
		s.proxies[p.Key] = px
		ready.Proxies[p.Key] = px.Addr()
	}
	return ready, nil
}

// handle answers one control request.
func (s *serverSide) handle(req ctlRequest) ctlResponse {
	var resp ctlResponse
	px, srv := s.proxies[req.Key], s.servers[req.Transport]
	switch {
	case req.Key != "" && px == nil:
		return ctlResponse{Err: fmt.Sprintf("no proxy %q", req.Key)}
	case req.Transport != "" && srv == nil:
		return ctlResponse{Err: fmt.Sprintf("no server for transport %q", req.Transport)}
	}
	switch req.Op {
	case opPing:
	case opSetRTT:
		px.SetRTT(req.D)
	case opSetBandwidth:
		px.SetBandwidth(req.N)
	case opServerStats:
		st := srv.Stats()
		resp.Server = &st
	case opFaults:
		srv.SetMaxConcurrency(int(req.N))
		srv.SetRequestDelay(req.D)
		srv.SetContention(req.D2)
	case opProbeBegin:
		if px != nil {
			px.ResetStats()
		}
		if srv != nil {
			st := srv.Stats()
			resp.Server = &st
		}
		if s.window != nil {
			s.window.end()
		}
		s.window = startCPUWindow(s.pinned, req.N == 1)
	case opProbeEnd:
		if px != nil {
			ps := px.Stats()
			resp.Proxy = &ps
		}
		if srv != nil {
			st := srv.Stats()
			resp.Server = &st
		}
		if s.window != nil {
			r := s.window.end()
			resp.CPU = &r
			s.window = nil
		}
	default:
		resp.Err = fmt.Sprintf("unknown operation %q", req.Op)
	}
	return resp
}

// close stops the proxies, then the servers.
func (s *serverSide) close() {
	if s.window != nil {
		s.window.end()
	}
	for _, p := range s.proxies {
		_ = p.Close()
	}
	for _, srv := range s.servers {
		_ = srv.Close()
	}
}
