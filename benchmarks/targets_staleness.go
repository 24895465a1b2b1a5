package main

import (
	"fmt"
	"math"
)

// stalenessTargets checks, for every zipf summary with the cache on, that
// no cached read of the external writer's rows was staler than
// cache_max_ttl (the cache's documented bound for writes by other
// processes).
func stalenessTargets(ss []Summary) []Target {
	var ts []Target
	for _, s := range ss {
		bound := s.Median.get("stale_bound_ms")
		if s.Workload != wlZipf || math.IsNaN(bound) {
			continue
		}
		t := Target{Name: "cache staleness ≤ cache_max_ttl",
			Goal:  "no read of rows written by another process is staler than cache_max_ttl",
			Scope: fmt.Sprintf("zipf, %s, %s", s.Transport, s.Config)}
		worst := s.Worst.get("stale_max_ms")
		t.set(worst, worst <= bound, fmt.Sprintf("max %s ms, p99 %s ms, bound %s ms", num(worst, 0),
			num(s.Median.get("stale_p99_ms"), 0), num(bound, 0)))
		if secs := s.Median.get("seconds"); secs*1000 < bound {
			t.Note = fmt.Sprintf("cells measured %.1f s, less than the bound: staleness cannot reach it; -duration above %.0f s exercises it",
				secs, math.Ceil(bound/1000))
		}
		ts = append(ts, t)
	}
	return ts
}
