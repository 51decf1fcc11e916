package policy

import "net/netip"

// IpAddress and NotIpAddress test an address against IPv4 or IPv6 CIDR
// ranges; an address without a prefix length is a /32 (or /128).

type ipPrefix = netip.Prefix

func parseIPPrefix(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

func matchIP(st *evalState, cv *cvalue, x string) bool {
	if st.ipText != x || !st.ipCached {
		a, err := netip.ParseAddr(x)
		st.ipText, st.ip, st.ipOK, st.ipCached = x, a.Unmap(), err == nil, true
	}
	return st.ipOK && cv.ip.Contains(st.ip)
}
