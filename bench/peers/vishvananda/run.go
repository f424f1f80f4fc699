package main

import (
	"net"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
)

const trellisRouteProtocol = 44

func createVtep(nl api, s vtepSpec) (netlink.Link, error) {
	mac, err := net.ParseMAC(s.Mac)
	if err != nil {
		return nil, err
	}
	link := &netlink.Vxlan{
		LinkAttrs: netlink.LinkAttrs{Name: s.Name, MTU: s.Mtu, HardwareAddr: mac},
		VxlanId:   s.Vni,
		SrcAddr:   net.ParseIP(s.LocalIP),
		Port:      s.Port,
		Learning:  false,
	}
	if err := nl.LinkAdd(link); err != nil {
		return nil, err
	}
	got, err := nl.LinkByName(s.Name)
	if err != nil {
		return nil, err
	}
	addr, err := netlink.ParseAddr(s.Address)
	if err != nil {
		return nil, err
	}
	if err := nl.AddrAdd(got, addr); err != nil {
		return nil, err
	}
	return got, nl.LinkSetUp(got)
}

// writeAll does what the trellis plan does, in its order: every neighbor, every FDB entry,
// every route, one library call each. A failed call is counted and the rest carry on.
func writeAll(nl api, index int, rs []remote, out *output) {
	note := func(err error) {
		if err != nil {
			out.Errors++
			if out.FirstError == "" {
				out.FirstError = err.Error()
			}
		}
	}
	for _, r := range rs {
		note(nl.NeighSet(&netlink.Neigh{
			LinkIndex: index, Family: syscall.AF_INET, State: netlink.NUD_PERMANENT,
			IP: r.vtepIP, HardwareAddr: r.vtepMac,
		}))
	}
	for _, r := range rs {
		note(nl.NeighSet(&netlink.Neigh{
			LinkIndex: index, Family: syscall.AF_BRIDGE, Flags: netlink.NTF_SELF,
			State: netlink.NUD_PERMANENT, IP: r.underlayIP, HardwareAddr: r.vtepMac,
		}))
	}
	for _, r := range rs {
		note(nl.RouteReplace(&netlink.Route{
			LinkIndex: index, Dst: r.subnet, Gw: r.vtepIP,
			Flags: int(netlink.FLAG_ONLINK), Protocol: trellisRouteProtocol,
		}))
	}
}

// resync reads the three tables back and counts the objects a resync would still have to write.
func resync(nl api, link netlink.Link, rs []remote, out *output) error {
	t0 := time.Now()
	neigh, err := nl.NeighList(link.Attrs().Index, syscall.AF_INET)
	if err != nil {
		return err
	}
	fdb, err := nl.NeighList(link.Attrs().Index, syscall.AF_BRIDGE)
	if err != nil {
		return err
	}
	routes, err := nl.RouteList(link, syscall.AF_INET)
	if err != nil {
		return err
	}
	t1 := time.Now()
	have := map[string]bool{}
	for _, e := range neigh {
		if e.State&netlink.NUD_PERMANENT != 0 {
			have[key("n", e.IP, e.HardwareAddr)] = true
			out.Observed.Neighbors++
		}
	}
	for _, e := range fdb {
		if e.Flags&netlink.NTF_SELF != 0 && e.IP != nil {
			have[key("f", e.HardwareAddr, e.IP)] = true
			out.Observed.Fdb++
		}
	}
	for _, e := range routes {
		if e.Protocol == trellisRouteProtocol && e.Dst != nil {
			have[key("r", e.Dst, e.Gw)] = true
			out.Observed.Routes++
		}
	}
	for _, r := range rs {
		for _, k := range []string{key("n", r.vtepIP, r.vtepMac), key("f", r.vtepMac, r.underlayIP), key("r", r.subnet, r.vtepIP)} {
			if !have[k] {
				out.ResyncOps++
			}
		}
	}
	out.ResyncObserveMs, out.ResyncPlanMs = ms(t1.Sub(t0)), ms(time.Since(t1))
	return nil
}

func run(nl api, n int, s vtepSpec) (*output, error) {
	out := &output{Impl: "vishvananda/netlink"}
	t0 := time.Now()
	link, err := createVtep(nl, s)
	if err != nil {
		return nil, err
	}
	out.VtepMs = ms(time.Since(t0))
	p0 := time.Now()
	rs := remotes(n)
	out.PlanMs = ms(time.Since(p0))
	out.Ops = 3 * n
	a0 := time.Now()
	writeAll(nl, link.Attrs().Index, rs, out)
	out.ApplyMs = ms(time.Since(a0))
	return out, resync(nl, link, rs, out)
}
