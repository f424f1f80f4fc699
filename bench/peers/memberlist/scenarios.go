package main

// join, steady, broadcast and fail on one cluster, with udp-scenarios.ts's definitions.

import (
	"fmt"
	"math"
	"time"
)

type plan struct {
	steady, joinDeadline, drainDeadline, failDeadline, broadcastDeadline time.Duration
	broadcastBytes                                                       int
}

// runJoin starts n nodes, each joining node 0 right after it starts; converge runs from the
// start of the last Join call (memberlist's Join blocks for a push-pull with the seed; trellis's
// returns at once) until every node lists n alive. bytesPerNode: all bytes sent until then / n.
func runJoin(c *cluster, p plan) (map[string]any, error) {
	t0 := time.Now()
	seed, err := c.add()
	if err != nil {
		return nil, err
	}
	var lastJoin time.Time
	var lastCall time.Duration
	for i := 1; i < c.n; i++ {
		nd, err := c.add()
		if err != nil {
			return nil, err
		}
		lastJoin = time.Now()
		if _, err := nd.ml.Join([]string{seed.address()}); err != nil {
			return nil, fmt.Errorf("join %s: %w", nd.name, err)
		}
		lastCall = time.Since(lastJoin)
	}
	ok := waitConverged(c, p.joinDeadline)
	sent := c.sent()
	missing, aliveMin := 0, c.n
	for _, nd := range c.nodes {
		if a := int(nd.aliveNow.Load()); a < c.n {
			missing++
			if a < aliveMin {
				aliveMin = a
			}
		}
	}
	out := map[string]any{
		"ms":           map[string]any{"start": ms(lastJoin.Sub(t0)), "lastJoinCall": ms(lastCall)},
		"timedOut":     !ok,
		"bytesPerNode": math.Round(float64(sent.bytes) / float64(c.n)),
		"aliveMin":     aliveMin,
	}
	if ok {
		out["ms"].(map[string]any)["converge"] = ms(c.convergedAt.Sub(lastJoin))
	} else {
		out["nodesMissingMembers"] = missing
	}
	return out, nil
}

func waitConverged(c *cluster, deadline time.Duration) bool {
	select {
	case <-c.converged:
		return true
	case <-time.After(deadline):
		return false
	}
}

// quiet waits for the join's news to drain. memberlist exposes no queue depth, but it sends
// gossip only while it has news: quiet is two 1 s windows in a row under 3 datagrams per node per
// second (idle is about 2: a probe and an ack; probes tick in phase, so shorter windows alias).
func quiet(c *cluster, deadline time.Duration) bool {
	end := time.Now().Add(deadline)
	calm := 0
	for time.Now().Before(end) {
		before := c.sent().packets
		time.Sleep(time.Second)
		rate := float64(c.sent().packets-before) / float64(c.n)
		if rate < 3 {
			calm++
		} else {
			calm = 0
		}
		if calm == 2 {
			return true
		}
	}
	return false
}

func runSteady(c *cluster, p plan) map[string]any {
	drained := quiet(c, p.drainDeadline)
	before := make([]sendSnapshot, c.n)
	for i, nd := range c.nodes {
		before[i] = nd.tr.stats.snapshot()
	}
	suspicions := sink.counter("memberlist.msg.suspect")
	t0 := time.Now()
	time.Sleep(p.steady)
	seconds := time.Since(t0).Seconds()
	var bytes, packets, streams []float64
	for i, nd := range c.nodes {
		s := nd.tr.stats.snapshot()
		bytes = append(bytes, float64(s.bytes-before[i].bytes)/seconds)
		packets = append(packets, float64(s.packets-before[i].packets)/seconds)
		streams = append(streams, float64(s.streams-before[i].streams)/seconds)
	}
	return map[string]any{
		"seconds":             round1(seconds),
		"bytes":               perNode(bytes),
		"packets":             perNode(packets),
		"streams":             perNode(streams),
		"suspicions":          sink.counter("memberlist.msg.suspect") - suspicions,
		"queuesDrainedBefore": drained,
	}
}
