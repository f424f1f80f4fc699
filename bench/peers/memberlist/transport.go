package main

// What a node sends, counted where it leaves memberlist: every UDP datagram handed to the
// socket and every byte written on a TCP stream, dialed (push-pull requests, TCP pings) or
// accepted (their replies). Payload bytes only, no IP/UDP/TCP headers: the trellis side counts
// the same (its UdpTransport's bytesOut: datagrams, stream requests and replies).

import (
	"net"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

type sendStats struct {
	packets atomic.Int64
	bytes   atomic.Int64
	streams atomic.Int64
}

type sendSnapshot struct{ packets, bytes, streams int64 }

func (s *sendStats) snapshot() sendSnapshot {
	return sendSnapshot{s.packets.Load(), s.bytes.Load(), s.streams.Load()}
}

// countingTransport is memberlist's own NetTransport with the sending side counted.
type countingTransport struct {
	*memberlist.NetTransport
	stats   *sendStats
	streams chan net.Conn
	done    chan struct{}
}

var _ memberlist.NodeAwareTransport = (*countingTransport)(nil)

func newCountingTransport(inner *memberlist.NetTransport) *countingTransport {
	t := &countingTransport{
		NetTransport: inner,
		stats:        &sendStats{},
		streams:      make(chan net.Conn),
		done:         make(chan struct{}),
	}
	go t.forwardStreams()
	return t
}

// forwardStreams hands accepted connections to memberlist wrapped, so their replies count.
func (t *countingTransport) forwardStreams() {
	inner := t.NetTransport.StreamCh()
	for {
		select {
		case conn := <-inner:
			select {
			case t.streams <- &countingConn{Conn: conn, stats: t.stats}:
			case <-t.done:
				conn.Close()
				return
			}
		case <-t.done:
			return
		}
	}
}

func (t *countingTransport) StreamCh() <-chan net.Conn { return t.streams }

func (t *countingTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	return t.WriteToAddress(b, memberlist.Address{Addr: addr})
}

func (t *countingTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	t.stats.packets.Add(1)
	t.stats.bytes.Add(int64(len(b)))
	return t.NetTransport.WriteToAddress(b, a)
}

func (t *countingTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return t.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

func (t *countingTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	conn, err := t.NetTransport.DialAddressTimeout(a, timeout)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, stats: t.stats}, nil
}

// Shutdown closes the listeners first and stops forwarding after: NetTransport's accept loop
// blocks on its unbuffered stream channel, and waits for that loop to end, so a connection
// accepted during shutdown must still be forwarded (memberlist reads until the transport is down).
func (t *countingTransport) Shutdown() error {
	err := t.NetTransport.Shutdown()
	select {
	case <-t.done:
	default:
		close(t.done)
	}
	return err
}

// countingConn counts a stream's written bytes, and the stream once, at its first write.
type countingConn struct {
	net.Conn
	stats *sendStats
	wrote atomic.Bool
}

func (c *countingConn) Write(b []byte) (int, error) {
	if !c.wrote.Swap(true) {
		c.stats.streams.Add(1)
	}
	n, err := c.Conn.Write(b)
	c.stats.bytes.Add(int64(n))
	return n, err
}
