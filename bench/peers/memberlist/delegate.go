package main

// The user-broadcast delegate of every node: a TransmitLimitedQueue as memberlist documents it,
// and on the first receipt of a message the node queues it again (as Serf does with its user
// events), so a broadcast spreads epidemically like trellis's records instead of being sent by
// its origin alone.

import (
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

type userDelegate struct {
	nd    *node
	queue *memberlist.TransmitLimitedQueue
	mu    sync.Mutex
	seen  map[string]time.Time
}

func newUserDelegate(nd *node, retransmitMult int) *userDelegate {
	d := &userDelegate{nd: nd, seen: map[string]time.Time{}}
	d.queue = &memberlist.TransmitLimitedQueue{
		// The node's own count of alive members; memberlist's NumMembers takes its node lock.
		NumNodes:       func() int { return int(nd.aliveNow.Load()) },
		RetransmitMult: retransmitMult,
	}
	return d
}

type userBroadcast struct{ msg []byte }

func (b *userBroadcast) Invalidates(memberlist.Broadcast) bool { return false }
func (b *userBroadcast) Message() []byte                       { return b.msg }
func (b *userBroadcast) Finished()                             {}

// send queues a new broadcast at its origin.
func (d *userDelegate) send(msg []byte) {
	d.mu.Lock()
	d.seen[string(msg)] = time.Now()
	d.mu.Unlock()
	d.queue.QueueBroadcast(&userBroadcast{msg: msg})
}

// arrivedAt is when this node first received msg (zero if it has not).
func (d *userDelegate) arrivedAt(msg []byte) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seen[string(msg)]
}

func (d *userDelegate) NotifyMsg(b []byte) {
	d.mu.Lock()
	_, dup := d.seen[string(b)]
	if !dup {
		d.seen[string(b)] = time.Now()
	}
	d.mu.Unlock()
	if !dup {
		// memberlist reuses the buffer: queue a copy.
		d.queue.QueueBroadcast(&userBroadcast{msg: append([]byte(nil), b...)})
	}
}

func (d *userDelegate) GetBroadcasts(overhead, limit int) [][]byte {
	return d.queue.GetBroadcasts(overhead, limit)
}

func (d *userDelegate) NodeMeta(int) []byte               { return nil }
func (d *userDelegate) LocalState(bool) []byte            { return nil }
func (d *userDelegate) MergeRemoteState(_ []byte, _ bool) {}
