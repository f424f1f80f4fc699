package main

// A go-metrics sink that keeps memberlist's counters: `memberlist.msg.suspect` counts every
// suspicion any node starts (the prober's and every node that hears of it), the same thing as
// trellis's swim `suspicionsRaised` summed over the nodes.

import (
	"strings"
	"sync"

	metrics "github.com/armon/go-metrics"
)

type counterSink struct {
	mu       sync.Mutex
	counters map[string]float64
}

var sink = &counterSink{counters: map[string]float64{}}

func installMetrics() error {
	conf := metrics.DefaultConfig("")
	conf.EnableRuntimeMetrics = false
	conf.EnableHostname = false
	conf.EnableHostnameLabel = false
	conf.EnableServiceLabel = false
	_, err := metrics.NewGlobal(conf, sink)
	return err
}

func (s *counterSink) counter(key string) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counters[key]
}

func (s *counterSink) IncrCounter(key []string, val float32) {
	s.mu.Lock()
	s.counters[strings.Join(key, ".")] += float64(val)
	s.mu.Unlock()
}

func (s *counterSink) IncrCounterWithLabels(key []string, val float32, _ []metrics.Label) {
	s.IncrCounter(key, val)
}
func (s *counterSink) SetGauge([]string, float32)                             {}
func (s *counterSink) SetGaugeWithLabels([]string, float32, []metrics.Label)  {}
func (s *counterSink) EmitKey([]string, float32)                              {}
func (s *counterSink) AddSample([]string, float32)                            {}
func (s *counterSink) AddSampleWithLabels([]string, float32, []metrics.Label) {}
