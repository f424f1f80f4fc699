package main

import (
	"time"

	"github.com/hashicorp/memberlist"
)

// runChurn: idle, loaded, then the tail, whose deaths and suspicions count as the load's.
func runChurn(c *cluster, p plan, phaseLen, afterLen time.Duration) (map[string]any, error) {
	join, err := runJoin(c, p)
	if err != nil {
		return nil, err
	}
	if join["timedOut"] == true {
		return map[string]any{"skipped": "join did not converge", "join": join}, nil
	}
	drained := quiet(c, p.drainDeadline)
	idle := phase(c, phaseLen)
	l, err := startLoad(phaseLen)
	if err != nil {
		return nil, err
	}
	loaded := phase(c, phaseLen)
	l.end()
	loaded.Stalls = l.stalls.Load()
	after := phase(c, afterLen)
	loadDead := map[string]bool{}
	for _, id := range append(append([]string{}, loaded.DeadIDs...), after.DeadIDs...) {
		loadDead[id] = true
	}
	deadAtEnd := map[string]bool{}
	for _, nd := range c.nodes {
		nd.mu.Lock()
		for id, s := range nd.status {
			if s != memberlist.StateAlive {
				deadAtEnd[id] = true
			}
		}
		nd.mu.Unlock()
	}
	return map[string]any{
		"ms":                  join["ms"],
		"queuesDrainedBefore": drained,
		"phases":              map[string]any{"idle": idle, "load": loaded, "after": after},
		"falseDeaths":         map[string]any{"idle": idle.FalseDeaths, "load": len(loadDead)},
		"suspicions":          map[string]any{"idle": idle.SuspicionsRaised, "load": loaded.SuspicionsRaised + after.SuspicionsRaised},
		"deadInSomeViewAtEnd": len(deadAtEnd),
		"load": map[string]any{
			"spinners": 2,
			"stall":    "GOMAXPROCS goroutines spin 50 ms of every 250 ms",
		},
	}, nil
}
