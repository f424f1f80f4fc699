package main

import (
	"math"
	"sort"
	"time"
)

// spread is first / median / max of delays in ms, rounded, as delay-spread.ts reports them.
func spread(ds []time.Duration) map[string]any {
	if len(ds) == 0 {
		return map[string]any{}
	}
	xs := make([]float64, len(ds))
	for i, d := range ds {
		xs[i] = float64(d) / float64(time.Millisecond)
	}
	sort.Float64s(xs)
	mid := len(xs) / 2
	med := xs[mid]
	if len(xs)%2 == 0 {
		med = (xs[mid-1] + xs[mid]) / 2
	}
	return map[string]any{"first": math.Round(xs[0]), "median": math.Round(med), "max": math.Round(xs[len(xs)-1])}
}

func ms(d time.Duration) float64 { return math.Round(float64(d) / float64(time.Millisecond)) }

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// perNode is mean / median / max over the nodes of a per-second rate.
func perNode(xs []float64) map[string]any {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	return map[string]any{
		"perNodePerSec": round1(sum / float64(len(s))),
		"median":        round1(s[len(s)/2]),
		"max":           round1(s[len(s)-1]),
	}
}

// waitUntil polls pred every poll until it holds or deadline passes; true if it held.
func waitUntil(pred func() bool, deadline, poll time.Duration) bool {
	end := time.Now().Add(deadline)
	for {
		if pred() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(poll)
	}
}
