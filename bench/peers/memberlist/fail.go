package main

// fail: the last node shuts down without leaving; when the first, median and last other marks
// it dead (NotifyLeave). Beside it, where the time went: when its first prober suspected it (the
// "Suspect X has failed" log line), the suspicions started and the suspicion timeouts that fired
// meanwhile, and the highest health (awareness) score seen.

import (
	"sync"
	"time"
)

func runFail(c *cluster, p plan) map[string]any {
	victim := c.nodes[c.n-1]
	var mu sync.Mutex
	deadAt := map[int]time.Time{}
	t0 := time.Now()
	c.setHook(func(e memberEvent) {
		if e.observer == victim.index || e.member != victim.name || e.joined {
			return
		}
		mu.Lock()
		if _, ok := deadAt[e.observer]; !ok {
			deadAt[e.observer] = e.at
		}
		mu.Unlock()
	})
	suspicions := sink.counter("memberlist.msg.suspect")
	logs := c.logs.snapshot()
	// A suspicion of the victim before the crash (a busy machine) is not this detection's.
	c.logs.forget(victim.name)
	t0 = time.Now()
	victim.ml.Shutdown()
	awarenessMax := 0
	ok := waitUntil(func() bool {
		for _, nd := range c.nodes[:c.n-1] {
			if h := nd.ml.GetHealthScore(); h > awarenessMax {
				awarenessMax = h
			}
		}
		mu.Lock()
		defer mu.Unlock()
		return len(deadAt) == c.n-1
	}, p.failDeadline, 20*time.Millisecond)
	c.setHook(nil)
	mu.Lock()
	var delays []time.Duration
	for _, at := range deadAt {
		delays = append(delays, at.Sub(t0))
	}
	mu.Unlock()
	suspected := map[string]any{}
	if at, ok := c.logs.firstSuspected(victim.name); ok {
		suspected["first"] = ms(at.Sub(t0))
	}
	after := c.logs.snapshot()
	return map[string]any{
		"victim":    victim.name,
		"ms":        spread(delays),
		"missed":    c.n - 1 - len(delays),
		"timedOut":  !ok,
		"suspected": map[string]any{"ms": suspected},
		"counters": map[string]any{
			"suspicionsRaised": sink.counter("memberlist.msg.suspect") - suspicions,
			"probesFailed":     after.suspectLines - logs.suspectLines,
			"deathsDeclared":   after.timeoutLines - logs.timeoutLines,
		},
		"awarenessMax": awarenessMax,
	}
}
