package main

// broadcast: node 0 queues one user message; when each of the n-1 others first holds it. Its
// cost: the bytes every node sent from the send until every receiver held it and every queue
// had sent it its retransmit limit, less what the cluster sends idle in as long (steady's mean),
// per receiver.

import (
	"fmt"
	"math"
	"time"
)

func runBroadcast(c *cluster, p plan, idleBytesPerNodePerSec float64) map[string]any {
	msg := make([]byte, p.broadcastBytes)
	copy(msg, fmt.Sprintf("broadcast-%s-", c.tag))
	for i := len(c.tag) + 11; i < len(msg); i++ {
		msg[i] = byte('a' + i%26)
	}
	origin := c.nodes[0]
	receivers := c.nodes[1:]
	sentBefore := c.sent().bytes
	t0 := time.Now()
	origin.user.send(msg)
	arrived := func() int {
		k := 0
		for _, nd := range receivers {
			if !nd.user.arrivedAt(msg).IsZero() {
				k++
			}
		}
		return k
	}
	all := waitUntil(func() bool { return arrived() == len(receivers) }, p.broadcastDeadline, 2*time.Millisecond)
	left := p.broadcastDeadline - time.Since(t0)
	drained := waitUntil(func() bool {
		for _, nd := range c.nodes {
			if nd.user.queue.NumQueued() > 0 {
				return false
			}
		}
		return true
	}, left, 10*time.Millisecond)
	window := time.Since(t0)
	windowBytes := float64(c.sent().bytes - sentBefore)
	idle := idleBytesPerNodePerSec * float64(c.n) * window.Seconds()
	var delays []time.Duration
	for _, nd := range receivers {
		if at := nd.user.arrivedAt(msg); !at.IsZero() {
			delays = append(delays, at.Sub(t0))
		}
	}
	return map[string]any{
		"ms":          spread(delays),
		"missed":      len(receivers) - len(delays),
		"timedOut":    !all,
		"recordBytes": len(msg),
		"bytes": map[string]any{
			"windowMs":     ms(window),
			"drained":      drained,
			"sent":         windowBytes,
			"idleInWindow": math.Round(idle),
			"perReceiver":  round1(math.Max(0, windowBytes-idle) / float64(len(receivers))),
		},
	}
}
