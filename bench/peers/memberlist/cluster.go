package main

// N memberlist nodes in this process, each with its own UDP and TCP socket on 127.0.0.1, and
// the view the harness keeps of them: which members each lists alive, and when that changed.

import (
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

const host = "127.0.0.1"

type node struct {
	index    int
	name     string
	ml       *memberlist.Memberlist
	tr       *countingTransport
	user     *userDelegate
	mu       sync.Mutex
	status   map[string]memberlist.NodeStateType
	alive    int
	aliveNow atomic.Int64
}

// memberEvent is what an observer saw: a member became alive, left, or was marked dead.
type memberEvent struct {
	observer int
	member   string
	state    memberlist.NodeStateType
	joined   bool
	at       time.Time
}

type cluster struct {
	n       int
	tag     string
	profile string
	nodes   []*node
	mu      sync.Mutex
	full    int
	// converged is closed the first time every node lists all n members alive.
	converged   chan struct{}
	convergedAt time.Time
	onEvent     func(memberEvent)
	logs        *logCounters
}

func newCluster(profile string, n int, tag string) *cluster {
	return &cluster{n: n, tag: tag, profile: profile, converged: make(chan struct{}), logs: newLogCounters()}
}

func configFor(profile string) *memberlist.Config {
	if profile == "local" {
		return memberlist.DefaultLocalConfig()
	}
	return memberlist.DefaultLANConfig()
}

// add starts one node: its transport on an ephemeral port, then memberlist on it.
func (c *cluster) add() (*node, error) {
	nd := &node{index: len(c.nodes), status: map[string]memberlist.NodeStateType{}}
	nd.name = fmt.Sprintf("%s-%03d", c.tag, nd.index)
	logger := log.New(&nodeLog{c: c, observer: nd.index}, "", 0)
	inner, err := memberlist.NewNetTransport(&memberlist.NetTransportConfig{
		BindAddrs: []string{host},
		BindPort:  0,
		Logger:    logger,
	})
	if err != nil {
		return nil, err
	}
	nd.tr = newCountingTransport(inner)
	cfg := configFor(c.profile)
	cfg.Name = nd.name
	cfg.Transport = nd.tr
	cfg.Logger = logger
	cfg.Events = &eventDelegate{c: c, nd: nd}
	nd.user = newUserDelegate(nd, cfg.RetransmitMult)
	cfg.Delegate = nd.user
	c.nodes = append(c.nodes, nd)
	ml, err := memberlist.Create(cfg)
	if err != nil {
		nd.tr.Shutdown()
		c.nodes = c.nodes[:len(c.nodes)-1]
		return nil, err
	}
	nd.ml = ml
	return nd, nil
}

func (nd *node) address() string {
	self := nd.ml.LocalNode()
	return fmt.Sprintf("%s:%d", self.Addr, self.Port)
}

// observe updates one observer's view; called by memberlist under its own locks, so it is short.
func (c *cluster) observe(nd *node, m *memberlist.Node, joined bool) {
	at := time.Now()
	nd.mu.Lock()
	before := nd.alive
	prev, known := nd.status[m.Name]
	// memberlist 0.2.2 leaves Node.State unset in callbacks (nodeState shadows the field), so the
	// callback says which: NotifyLeave is a death here, since no node of the harness ever leaves.
	state := memberlist.StateDead
	if joined {
		state = memberlist.StateAlive
	}
	nd.status[m.Name] = state
	if state == memberlist.StateAlive && !(known && prev == memberlist.StateAlive) {
		nd.alive++
	}
	if state != memberlist.StateAlive && known && prev == memberlist.StateAlive {
		nd.alive--
	}
	after := nd.alive
	nd.mu.Unlock()
	nd.aliveNow.Store(int64(after))
	c.mu.Lock()
	if after == c.n && before != c.n {
		c.full++
	} else if before == c.n && after != c.n {
		c.full--
	}
	if c.full == c.n && c.convergedAt.IsZero() {
		c.convergedAt = at
		close(c.converged)
	}
	hook := c.onEvent
	c.mu.Unlock()
	if hook != nil {
		hook(memberEvent{observer: nd.index, member: m.Name, state: state, joined: joined, at: at})
	}
}

func (c *cluster) setHook(f func(memberEvent)) {
	c.mu.Lock()
	c.onEvent = f
	c.mu.Unlock()
}

func (c *cluster) sent() sendSnapshot {
	var s sendSnapshot
	for _, nd := range c.nodes {
		x := nd.tr.stats.snapshot()
		s.packets += x.packets
		s.bytes += x.bytes
		s.streams += x.streams
	}
	return s
}

// close shuts every node down without a leave, in parallel.
func (c *cluster) close() {
	var wg sync.WaitGroup
	for _, nd := range c.nodes {
		if nd.ml == nil {
			continue
		}
		wg.Add(1)
		go func(nd *node) {
			defer wg.Done()
			nd.ml.Shutdown()
		}(nd)
	}
	wg.Wait()
}

type eventDelegate struct {
	c  *cluster
	nd *node
}

func (e *eventDelegate) NotifyJoin(m *memberlist.Node)   { e.c.observe(e.nd, m, true) }
func (e *eventDelegate) NotifyLeave(m *memberlist.Node)  { e.c.observe(e.nd, m, false) }
func (e *eventDelegate) NotifyUpdate(m *memberlist.Node) {}
