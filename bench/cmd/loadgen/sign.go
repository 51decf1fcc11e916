package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// A scenario is a kind of request of the load benchmark, made by users
// picked at random, with the status the server must answer it with.
type scenario struct {
	name   string
	status int
	// users keeps the users that may make it (nil: all).
	users func(u *userState) bool
	// call is the request of user u; byTeam lists channel ARNs by team.
	call func(u *userState, byTeam map[string][]string, rnd *rand.Rand) call
}

// scenarios are the requests of the mix.
var scenarios = []scenario{
	{name: "sts-caller", status: http.StatusOK, call: func(*userState, map[string][]string, *rand.Rand) call {
		return queryCall("sts", url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}})
	}},
	{name: "ivs-get-allow", status: http.StatusOK, call: func(u *userState, byTeam map[string][]string, rnd *rand.Rand) call {
		chs := byTeam[u.Team]
		return ivsCall("GetChannel", map[string]string{"arn": chs[rnd.IntN(len(chs))]})
	}},
	{name: "ivs-get-deny", status: http.StatusForbidden, call: func(u *userState, byTeam map[string][]string, rnd *rand.Rand) call {
		other := fmt.Sprintf("t%02d", (teamNumber(u.Team)+1+rnd.IntN(teams-1))%teams)
		chs := byTeam[other]
		return ivsCall("GetChannel", map[string]string{"arn": chs[rnd.IntN(len(chs))]})
	}},
	{name: "ivs-list-allow", status: http.StatusOK, users: func(u *userState) bool { return !u.ListDenied },
		call: func(*userState, map[string][]string, *rand.Rand) call { return ivsCall("ListChannels", struct{}{}) }},
	{name: "ivs-list-deny", status: http.StatusForbidden, users: func(u *userState) bool { return u.ListDenied },
		call: func(*userState, map[string][]string, *rand.Rand) call { return ivsCall("ListChannels", struct{}{}) }},
	{name: "iam-getuser", status: http.StatusOK, call: func(u *userState, _ map[string][]string, _ *rand.Rand) call {
		return queryCall("iam", iamParams("GetUser", "UserName", u.Name))
	}},
}

// mix is the share of each scenario in the "mix" scenario, in percent.
var mix = map[string]int{
	"sts-caller": 20, "ivs-get-allow": 35, "ivs-get-deny": 10,
	"ivs-list-allow": 10, "ivs-list-deny": 5, "iam-getuser": 20,
}

func teamNumber(team string) int {
	n, _ := strconv.Atoi(team[1:])
	return n
}

func findScenario(name string) (*scenario, bool) {
	for i := range scenarios {
		if scenarios[i].name == name {
			return &scenarios[i], true
		}
	}
	return nil, false
}

// signedReq is one signed request as it goes on the wire, with the status
// it must get.
type signedReq struct {
	raw    []byte
	status int
}

// signScenario returns n requests of the scenario name ("mix" for the
// mix), signed now.
func signScenario(st *state, name string, n int, seed uint64) ([]signedReq, error) {
	rnd := rand.New(rand.NewPCG(seed, 7))
	byTeam := channelsByTeam(st)
	var pick func() *scenario
	if name == "mix" {
		var wheel []*scenario
		for i := range scenarios {
			for range mix[scenarios[i].name] {
				wheel = append(wheel, &scenarios[i])
			}
		}
		pick = func() *scenario { return wheel[rnd.IntN(len(wheel))] }
	} else {
		sc, ok := findScenario(name)
		if !ok {
			return nil, fmt.Errorf("no scenario %q", name)
		}
		pick = func() *scenario { return sc }
	}
	now := time.Now()
	out := make([]signedReq, 0, n)
	for len(out) < n {
		sc := pick()
		u := &st.Users[rnd.IntN(len(st.Users))]
		if sc.users != nil && !sc.users(u) {
			continue
		}
		r, err := signedRequest(st.Endpoint, u.creds(), sc.call(u, byTeam, rnd), now)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := r.Write(&buf); err != nil {
			return nil, err
		}
		out = append(out, signedReq{raw: buf.Bytes(), status: sc.status})
	}
	return out, nil
}

// writeRequests writes reqs for replay.lua: each request is its length in
// decimal, a line feed, and its bytes.
func writeRequests(w io.Writer, reqs []signedReq) error {
	bw := bufio.NewWriter(w)
	for _, r := range reqs {
		fmt.Fprintf(bw, "%d\n", len(r.raw))
		bw.Write(r.raw)
	}
	return bw.Flush()
}

// check sends the first n of reqs, byte for byte as wrk will, and
// verifies their statuses.
func check(ctx context.Context, hc *http.Client, endpoint string, reqs []signedReq, n int) error {
	base, err := url.Parse(endpoint)
	if err != nil {
		return err
	}
	for i := range min(n, len(reqs)) {
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(reqs[i].raw)))
		if err != nil {
			return err
		}
		r.RequestURI = ""
		r.URL.Scheme, r.URL.Host = base.Scheme, base.Host
		resp, err := hc.Do(r.WithContext(ctx))
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != reqs[i].status {
			return fmt.Errorf("request %d: status %d, want %d: %s\n%s", i, resp.StatusCode, reqs[i].status, body, reqs[i].raw)
		}
	}
	return nil
}

// non2xx returns the share of reqs that must fail.
func non2xx(reqs []signedReq) float64 {
	n := 0
	for _, r := range reqs {
		if r.status/100 != 2 {
			n++
		}
	}
	return float64(n) / float64(len(reqs))
}
