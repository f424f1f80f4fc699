// memberlist-bench runs N memberlist nodes in one process on 127.0.0.1 through the scenarios of
// bench/src/udp-scenarios.ts and udp-churn.ts, with the same definitions, and prints one JSON
// line per scenario with the fields of the trellis result lines and impl "memberlist".
//
//	memberlist-bench -n 16 -scenarios join,steady,broadcast,fail [-profile lan] [-rep 1] [-run ID]
//	memberlist-bench -n 64 -scenarios churn-fp -phase-ms 15000 -after-ms 10000
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

type runKey struct {
	profile string
	n, rep  int
	quick   bool
	run     string
}

func emit(k runKey, scenario string, fields map[string]any) {
	line := map[string]any{
		"impl": "memberlist", "profile": k.profile, "n": k.n, "rep": k.rep, "quick": k.quick,
		"run": k.run, "scenario": scenario, "loadavg1m": loadavg1m(), "memberlist": "0.2.2",
	}
	for key, v := range fields {
		line[key] = v
	}
	b, err := json.Marshal(line)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"impl": "memberlist", "scenario": "error", "error": err.Error()})
	}
	os.Stdout.Write(append(b, '\n'))
}

func loadavg1m() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	var x float64
	fmt.Sscanf(string(b), "%g", &x)
	return x
}

// runCluster takes one cluster through the scenarios asked for, in the trellis order.
func runCluster(k runKey, tag string, scenarios []string, p plan) error {
	c := newCluster(k.profile, k.n, tag)
	defer c.close()
	join, err := runJoin(c, p)
	if err != nil {
		return err
	}
	emit(k, "join", join)
	idle := 0.0
	for _, s := range scenarios[1:] {
		if join["timedOut"] == true {
			emit(k, s, map[string]any{"skipped": "join did not converge"})
			continue
		}
		switch s {
		case "steady":
			fields := runSteady(c, p)
			idle = fields["bytes"].(map[string]any)["perNodePerSec"].(float64)
			emit(k, s, fields)
		case "broadcast":
			emit(k, s, runBroadcast(c, p, idle))
		case "fail":
			emit(k, s, runFail(c, p))
		default:
			return fmt.Errorf("unknown scenario %q", s)
		}
	}
	return nil
}

func main() {
	var k runKey
	var scenarios string
	var steady, joinDl, drainDl, failDl, bcastDl, phaseMs, afterMs, spin int64
	var bcastBytes int
	flag.StringVar(&k.profile, "profile", "lan", "lan (DefaultLANConfig) or local (DefaultLocalConfig)")
	flag.IntVar(&k.n, "n", 16, "nodes")
	flag.IntVar(&k.rep, "rep", 1, "repetition, copied into the lines")
	flag.BoolVar(&k.quick, "quick", false, "copied into the lines")
	flag.StringVar(&k.run, "run", "", "run id, copied into the lines")
	flag.StringVar(&scenarios, "scenarios", "join,steady,broadcast,fail", "join first; or churn-fp alone")
	flag.Int64Var(&steady, "steady-ms", 30000, "steady window")
	flag.Int64Var(&joinDl, "join-deadline-ms", 120000, "")
	flag.Int64Var(&drainDl, "drain-deadline-ms", 20000, "")
	flag.Int64Var(&failDl, "fail-deadline-ms", 60000, "")
	flag.Int64Var(&bcastDl, "broadcast-deadline-ms", 15000, "")
	flag.Int64Var(&phaseMs, "phase-ms", 15000, "churn-fp: idle and loaded phase each")
	flag.Int64Var(&afterMs, "after-ms", 10000, "churn-fp: tail after the load")
	flag.IntVar(&bcastBytes, "broadcast-bytes", 115, "user message size (a trellis route record is about 115 B)")
	flag.Int64Var(&spin, "spin-until-ms", 0, "internal: be a busy-loop load process until this epoch ms")
	flag.Parse()
	if spin > 0 {
		spinUntil(spin)
		return
	}
	if err := run(k, strings.Split(scenarios, ","), plan{
		steady: d(steady), joinDeadline: d(joinDl), drainDeadline: d(drainDl), failDeadline: d(failDl),
		broadcastDeadline: d(bcastDl), broadcastBytes: bcastBytes,
	}, d(phaseMs), d(afterMs)); err != nil {
		emit(k, "error", map[string]any{"error": err.Error()})
		os.Exit(1)
	}
}

func run(k runKey, scenarios []string, p plan, phaseLen, afterLen time.Duration) error {
	if k.n < 2 || k.n > 512 || (k.profile != "lan" && k.profile != "local") || p.broadcastBytes < 32 {
		return fmt.Errorf("bad arguments: -n 2..512, -profile lan|local, -broadcast-bytes >= 32")
	}
	if err := installMetrics(); err != nil {
		return err
	}
	if len(scenarios) == 1 && scenarios[0] == "churn-fp" {
		c := newCluster(k.profile, k.n, fmt.Sprintf("churn-%sr%d", k.profile, k.rep))
		defer c.close()
		fields, err := runChurn(c, p, phaseLen, afterLen)
		if err != nil {
			return err
		}
		emit(k, "churn-fp", fields)
		return nil
	}
	if scenarios[0] != "join" {
		return fmt.Errorf("-scenarios must start with join (or be churn-fp alone)")
	}
	return runCluster(k, fmt.Sprintf("%s%dr%d", k.profile, k.n, k.rep), scenarios, p)
}

func d(msec int64) time.Duration { return time.Duration(msec) * time.Millisecond }
