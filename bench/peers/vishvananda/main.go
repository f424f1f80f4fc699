// vishvananda-bench writes the VXLAN state of N remote agents into the network namespace it runs
// in (started under `ip netns exec` by bench/src/dataplane-go.ts) the way flannel's vxlan backend
// and Docker's overlay driver do: one vishvananda/netlink call per object (NeighSet for the
// neighbor, NeighSet with AF_BRIDGE/NTF_SELF for the FDB entry, RouteReplace for the route).
// It prints one JSON line with the fields of the trellis worker (bench/src/dataplane-worker.ts).
//
//	vishvananda-bench -n 1000 -vtep '{"name":"vtep1024",...}' [-mode handle|pkg]
//
// -mode handle (default) reuses one netlink.Handle and its socket, as Docker's overlay driver
// does (ns.NlHandle()); -mode pkg calls the package-level functions, as flannel does, which open
// a fresh netlink socket for every request.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/vishvananda/netlink"
)

type vtepSpec struct {
	Name    string `json:"name"`
	Vni     int    `json:"vni"`
	Port    int    `json:"port"`
	LocalIP string `json:"localIp"`
	Mtu     int    `json:"mtu"`
	Mac     string `json:"mac"`
	Address string `json:"address"`
}

type counts struct {
	Neighbors int `json:"neighbors"`
	Fdb       int `json:"fdb"`
	Routes    int `json:"routes"`
}

type output struct {
	Impl            string  `json:"impl"`
	Mode            string  `json:"mode"`
	VtepMs          float64 `json:"vtepMs"`
	Ops             int     `json:"ops"`
	PlanMs          float64 `json:"planMs"`
	ApplyMs         float64 `json:"applyMs"`
	Errors          int     `json:"errors"`
	Skipped         int     `json:"skipped"`
	FirstError      string  `json:"firstError,omitempty"`
	ResyncOps       int     `json:"resyncOps"`
	ResyncObserveMs float64 `json:"resyncObserveMs"`
	ResyncPlanMs    float64 `json:"resyncPlanMs"`
	Observed        counts  `json:"observed"`
	NeedsResync     bool    `json:"needsResync"`
}

// api is the part of vishvananda/netlink the harness calls: a Handle or the package functions.
type api interface {
	LinkAdd(netlink.Link) error
	LinkByName(string) (netlink.Link, error)
	AddrAdd(netlink.Link, *netlink.Addr) error
	LinkSetUp(netlink.Link) error
	NeighSet(*netlink.Neigh) error
	RouteReplace(*netlink.Route) error
	NeighList(int, int) ([]netlink.Neigh, error)
	RouteList(netlink.Link, int) ([]netlink.Route, error)
}

type pkgAPI struct{}

func (pkgAPI) LinkAdd(l netlink.Link) error                  { return netlink.LinkAdd(l) }
func (pkgAPI) LinkByName(n string) (netlink.Link, error)     { return netlink.LinkByName(n) }
func (pkgAPI) AddrAdd(l netlink.Link, a *netlink.Addr) error { return netlink.AddrAdd(l, a) }
func (pkgAPI) LinkSetUp(l netlink.Link) error                { return netlink.LinkSetUp(l) }
func (pkgAPI) NeighSet(n *netlink.Neigh) error               { return netlink.NeighSet(n) }
func (pkgAPI) RouteReplace(r *netlink.Route) error           { return netlink.RouteReplace(r) }
func (pkgAPI) NeighList(i, f int) ([]netlink.Neigh, error)   { return netlink.NeighList(i, f) }
func (pkgAPI) RouteList(l netlink.Link, f int) ([]netlink.Route, error) {
	return netlink.RouteList(l, f)
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func fail(err error) {
	b, _ := json.Marshal(map[string]string{"error": err.Error()})
	os.Stdout.Write(append(b, '\n'))
	os.Exit(1)
}

func main() {
	n := flag.Int("n", 1000, "remote agents")
	vtepJSON := flag.String("vtep", "", "the VTEP, as the trellis worker's WorkerInput.vtep")
	mode := flag.String("mode", "handle", "handle (Docker overlay) or pkg (flannel)")
	flag.Parse()
	var spec vtepSpec
	if err := json.Unmarshal([]byte(*vtepJSON), &spec); err != nil {
		fail(fmt.Errorf("-vtep: %w", err))
	}
	var nl api = pkgAPI{}
	if *mode == "handle" {
		h, err := netlink.NewHandle()
		if err != nil {
			fail(err)
		}
		defer h.Delete()
		nl = h
	} else if *mode != "pkg" {
		fail(fmt.Errorf("-mode %q: want handle or pkg", *mode))
	}
	out, err := run(nl, *n, spec)
	if err != nil {
		fail(err)
	}
	out.Mode = *mode
	b, _ := json.Marshal(out)
	os.Stdout.Write(append(b, '\n'))
}
