package main

// memberlist reports suspicions, suspicion timeouts and refutations only in its log, so each
// node's logger feeds counters: when and by whom a member was first suspected after a failed
// probe ("Suspect X has failed"), declared dead by a suspicion timeout ("Marking X as failed"),
// and how often a node refuted a suspicion of itself. Everything else in the log is dropped.

import (
	"regexp"
	"sync"
	"time"
)

var (
	suspectLine = regexp.MustCompile(`memberlist: Suspect (\S+) has failed`)
	timeoutLine = regexp.MustCompile(`memberlist: Marking (\S+) as failed`)
	refuteLine  = regexp.MustCompile(`memberlist: Refuting a suspect message`)
)

type logCounters struct {
	mu sync.Mutex
	// probeSuspects: per member, when its first prober suspected it.
	probeSuspects map[string]time.Time
	suspectLines  int
	timeoutLines  int
	refutations   int
	suspected     map[string]bool
}

type logSnapshot struct{ suspectLines, timeoutLines, refutations int }

func newLogCounters() *logCounters {
	return &logCounters{probeSuspects: map[string]time.Time{}, suspected: map[string]bool{}}
}

func (l *logCounters) snapshot() logSnapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	return logSnapshot{l.suspectLines, l.timeoutLines, l.refutations}
}

// resetSuspected forgets which members were suspected (a new phase starts counting).
func (l *logCounters) resetSuspected() map[string]bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.suspected
	l.suspected = map[string]bool{}
	return old
}

// forget drops what is known of member's suspicions: the next one starts its clock.
func (l *logCounters) forget(member string) {
	l.mu.Lock()
	delete(l.probeSuspects, member)
	l.mu.Unlock()
}

func (l *logCounters) firstSuspected(member string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.probeSuspects[member]
	return t, ok
}

type nodeLog struct {
	c        *cluster
	observer int
}

func (w *nodeLog) Write(p []byte) (int, error) {
	at := time.Now()
	l := w.c.logs
	if m := suspectLine.FindSubmatch(p); m != nil {
		name := string(m[1])
		l.mu.Lock()
		l.suspectLines++
		l.suspected[name] = true
		if _, ok := l.probeSuspects[name]; !ok {
			l.probeSuspects[name] = at
		}
		l.mu.Unlock()
	} else if timeoutLine.Match(p) {
		l.mu.Lock()
		l.timeoutLines++
		l.mu.Unlock()
	} else if refuteLine.Match(p) {
		l.mu.Lock()
		l.refutations++
		l.mu.Unlock()
	}
	return len(p), nil
}
