package main

import (
	"fmt"
	"strings"
)

// pinning is where the clients (this process) and the server process run.
type pinning struct {
	Client    []int  `json:"client_cpus,omitempty"` // CPUs of this process; empty: not pinned
	Server    []int  `json:"server_cpus,omitempty"` // CPUs of the server process; empty: not pinned
	ServerPID int    `json:"-"`
	Note      string `json:"note,omitempty"` // why something is not pinned
}

// pinClients pins this process to one CPU and picks another one for the
// server process (embedded only), where the OS allows it: the first two
// CPUs this process may use. It returns the plan and the function that
// undoes this process's pinning.
func pinClients(enabled, embedded bool) (pinning, func()) {
	var p pinning
	noop := func() {}
	if !enabled {
		p.Note = "Not pinned (-pin=false)."
		return p, noop
	}
	cpus, err := allowedCPUs()
	if err != nil {
		p.Note = "Not pinned: " + err.Error() + "."
		return p, noop
	}
	if embedded && len(cpus) < 2 {
		p.Note = fmt.Sprintf("Not pinned: this process may use %d CPU; clients and server process need one each.", len(cpus))
		return p, noop
	}
	client := cpus[:1]
	restore, err := pinProcess(client)
	if err != nil {
		p.Note = "Not pinned: " + err.Error() + "."
		return p, noop
	}
	p.Client = client
	if embedded {
		p.Server = cpus[1:2]
	}
	return p, restore
}

// describe says where both sides ran, for the report's header.
func (p pinning) describe(embedded bool) string {
	var parts []string
	if len(p.Client) > 0 {
		parts = append(parts, fmt.Sprintf("clients pinned to CPU %s (GOMAXPROCS %d)", joinInts(p.Client), len(p.Client)))
	} else {
		parts = append(parts, "clients not pinned")
	}
	if embedded {
		if len(p.Server) > 0 {
			parts = append(parts, fmt.Sprintf("server process (servers + WAN proxies) pinned to CPU %s (GOMAXPROCS %d)", joinInts(p.Server), len(p.Server)))
		} else {
			parts = append(parts, "server process (servers + WAN proxies) not pinned")
		}
	}
	s := strings.Join(parts, ", ")
	if p.Note != "" {
		s += ". " + strings.TrimSuffix(p.Note, ".")
	}
	return s
}
