package main

// churn-fp: n idle nodes, then the same under CPU load, then a tail where what the load started
// resolves; every node is healthy, so every death is false.
//
// The load, as close to udp-churn.ts's as a Go process allows: two busy-loop child processes
// (this binary with -spin-until-ms; trellis uses two spinning worker threads) keep both cores
// busy, and for 50 ms of every 250 ms GOMAXPROCS goroutines spin in this process. That stands
// for trellis's 50 ms event-loop block, but it is milder: Go preempts a spinning goroutine
// within about 10 ms, so memberlist's goroutines are delayed, not stopped.

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

type load struct {
	children []*exec.Cmd
	stop     chan struct{}
	stalls   atomic.Int64
	wg       sync.WaitGroup
}

func startLoad(d time.Duration) (*load, error) {
	l := &load{stop: make(chan struct{})}
	until := time.Now().Add(d).UnixMilli()
	for i := 0; i < 2; i++ {
		cmd := exec.Command(os.Args[0], "-spin-until-ms", strconv.FormatInt(until, 10))
		if err := cmd.Start(); err != nil {
			l.end()
			return nil, err
		}
		l.children = append(l.children, cmd)
	}
	l.wg.Add(1)
	go l.stallEvery(250*time.Millisecond, 50*time.Millisecond)
	return l, nil
}

func (l *load) stallEvery(period, length time.Duration) {
	defer l.wg.Done()
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
			var wg sync.WaitGroup
			end := time.Now().Add(length)
			for i := 0; i < runtime.GOMAXPROCS(0); i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for x := 0; time.Now().Before(end); x++ {
					}
				}()
			}
			wg.Wait()
			l.stalls.Add(1)
		}
	}
}

// end stops the stalls and the children it started (by their process, never by name).
func (l *load) end() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.wg.Wait()
	for _, cmd := range l.children {
		cmd.Process.Kill()
		cmd.Wait()
	}
}

// spinUntil is the child's whole life: a busy loop bounded by the wall clock.
func spinUntil(epochMs int64) {
	for x := 0; time.Now().UnixMilli() < epochMs; x++ {
	}
}

type phaseCounts struct {
	Seconds          float64  `json:"seconds"`
	FalseDeaths      int      `json:"falseDeaths"`
	DeadIDs          []string `json:"deadIds"`
	DeathEvents      int      `json:"deathEvents"`
	SuspicionsRaised float64  `json:"suspicionsRaised"`
	SuspectedNodes   int      `json:"suspectedNodes"`
	Refutations      int      `json:"refutations"`
	Stalls           int64    `json:"stalls,omitempty"`
}

func phase(c *cluster, d time.Duration) phaseCounts {
	var mu sync.Mutex
	dead := map[string]bool{}
	events := 0
	c.setHook(func(e memberEvent) {
		if e.joined {
			return
		}
		mu.Lock()
		dead[e.member] = true
		events++
		mu.Unlock()
	})
	suspicions := sink.counter("memberlist.msg.suspect")
	logs := c.logs.snapshot()
	c.logs.resetSuspected()
	t0 := time.Now()
	time.Sleep(d)
	c.setHook(nil)
	after := c.logs.snapshot()
	out := phaseCounts{
		Seconds:          round1(time.Since(t0).Seconds()),
		SuspicionsRaised: sink.counter("memberlist.msg.suspect") - suspicions,
		SuspectedNodes:   len(c.logs.resetSuspected()),
		Refutations:      after.refutations - logs.refutations,
		DeadIDs:          []string{},
	}
	mu.Lock()
	for id := range dead {
		out.DeadIDs = append(out.DeadIDs, id)
	}
	out.FalseDeaths = len(dead)
	out.DeathEvents = events
	mu.Unlock()
	return out
}
