package main

import (
	"fmt"
	"net"
)

// remote i, numbered from 1, exactly as remote() in bench/src/dataplane-worker.ts.
type remote struct {
	vtepIP     net.IP
	vtepMac    net.HardwareAddr
	underlayIP net.IP
	subnet     *net.IPNet
}

func quad(v uint32) net.IP {
	return net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v)).To4()
}

func remoteAt(i int) remote {
	u := uint32(i)
	return remote{
		vtepIP:     quad(44<<24 + 1 + u),
		vtepMac:    net.HardwareAddr{0x70, 0xb3, 0xd5, byte(u >> 16), byte(u >> 8), byte(u)},
		underlayIP: quad(10<<24 | 1<<16 + u),
		subnet:     &net.IPNet{IP: net.IPv4(9, byte(u>>8), byte(u), 0).To4(), Mask: net.CIDRMask(24, 32)},
	}
}

func remotes(n int) []remote {
	rs := make([]remote, n)
	for k := range rs {
		rs[k] = remoteAt(k + 1)
	}
	return rs
}

func key(parts ...any) string { return fmt.Sprint(parts...) }
