package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// wrkResult is what one wrk run reported.
type wrkResult struct {
	rps          float64
	p50, p99     time.Duration
	requests     int
	non2xx       int
	socketErrors string
}

// parseWrk reads wrk's output (run with --latency).
func parseWrk(r io.Reader) (wrkResult, error) {
	var res wrkResult
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			res.rps, _ = strconv.ParseFloat(f[1], 64)
		case len(f) == 2 && f[0] == "50%":
			res.p50, _ = time.ParseDuration(f[1])
		case len(f) == 2 && f[0] == "99%":
			res.p99, _ = time.ParseDuration(f[1])
		case len(f) >= 3 && f[1] == "requests" && f[2] == "in":
			res.requests, _ = strconv.Atoi(f[0])
		case len(f) == 5 && f[0] == "Non-2xx":
			res.non2xx, _ = strconv.Atoi(f[4])
		case len(f) > 2 && f[0] == "Socket" && f[1] == "errors:":
			res.socketErrors = strings.Join(f[2:], " ")
		}
	}
	if res.rps == 0 {
		return res, fmt.Errorf("no Requests/sec in wrk's output")
	}
	return res, sc.Err()
}

// median returns the median of xs (the lower middle of an even count).
func median[T int | float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// readWrk reads the wrk output of a file.
func readWrk(name string) (wrkResult, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return wrkResult{}, err
	}
	res, err := parseWrk(strings.NewReader(string(b)))
	if err != nil {
		return res, fmt.Errorf("%s: %w", name, err)
	}
	return res, nil
}

// table prints, from the wrk outputs BACKEND.SCENARIO.RUN.txt in dir, a
// Markdown table of the medians per backend and scenario, with the share
// of the ceiling's throughput and p99 ratio ("ceiling" is the backend of
// the bare handler, its scenario "replay"). When every run of a scenario
// has its paired ceiling run (dir/paired/BACKEND.SCENARIO.RUN.txt, made
// just before it), the share and the ratio are the medians of the pairs'
// ratios, marked "(paired)"; else they compare with the ceiling's medians.
func table(w io.Writer, dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.*.*.txt"))
	if err != nil {
		return err
	}
	type key struct{ backend, scenario string }
	runs := map[key][]wrkResult{}
	// pairs holds, per scenario, the ratios of each run to its paired
	// ceiling run; unpaired is set when a run has none.
	type ratios struct {
		share, p99 []float64
		unpaired   bool
	}
	pairs := map[key]*ratios{}
	var order []key
	for _, f := range files {
		parts := strings.Split(strings.TrimSuffix(filepath.Base(f), ".txt"), ".")
		if len(parts) != 3 {
			continue
		}
		res, err := readWrk(f)
		if err != nil {
			return err
		}
		k := key{parts[0], parts[1]}
		if _, ok := runs[k]; !ok {
			order = append(order, k)
			pairs[k] = &ratios{}
		}
		runs[k] = append(runs[k], res)
		c, err := readWrk(filepath.Join(dir, "paired", filepath.Base(f)))
		if err != nil || c.rps == 0 || c.p99 == 0 {
			pairs[k].unpaired = true
			continue
		}
		pairs[k].share = append(pairs[k].share, res.rps/c.rps)
		pairs[k].p99 = append(pairs[k].p99, float64(res.p99)/float64(c.p99))
	}
	stats := func(rs []wrkResult) (rps float64, p50, p99 time.Duration, non2xx float64, all []string) {
		var r []float64
		var a, b []time.Duration
		var n []float64
		for _, x := range rs {
			r, a, b = append(r, x.rps), append(a, x.p50), append(b, x.p99)
			n = append(n, float64(x.non2xx)/float64(max(x.requests, 1)))
			s := fmt.Sprintf("%.0f", x.rps)
			if x.socketErrors != "" {
				s += " (socket errors: " + x.socketErrors + ")"
			}
			all = append(all, s)
		}
		return median(r), median(a), median(b), median(n), all
	}
	ceil, haveCeil := runs[key{"ceiling", "replay"}]
	var ceilRPS float64
	var ceilP99 time.Duration
	if haveCeil {
		ceilRPS, _, ceilP99, _, _ = stats(ceil)
	}
	backendRank := map[string]int{"ceiling": 0, "sqlite": 1, "postgres": 2}
	scenarioRank := map[string]int{}
	for i, s := range append([]string{"replay", "plain"}, scenarioNames()...) {
		scenarioRank[s] = i
	}
	slices.SortStableFunc(order, func(x, y key) int {
		if c := backendRank[x.backend] - backendRank[y.backend]; c != 0 {
			return c
		}
		return scenarioRank[x.scenario] - scenarioRank[y.scenario]
	})
	fmt.Fprintln(w, "| backend | scenario | requests/s (median) | runs | p50 | p99 | of ceiling's req/s | p99 / ceiling's | non-2xx |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, k := range order {
		rps, p50, p99, non2xx, all := stats(runs[k])
		share, ratio := "", ""
		switch {
		case !pairs[k].unpaired && len(pairs[k].share) > 0:
			share = fmt.Sprintf("%.0f%% (paired)", 100*median(pairs[k].share))
			ratio = fmt.Sprintf("%.2f× (paired)", median(pairs[k].p99))
		case haveCeil && ceilRPS > 0:
			share = fmt.Sprintf("%.0f%%", 100*rps/ceilRPS)
			ratio = fmt.Sprintf("%.2f×", float64(p99)/float64(ceilP99))
		}
		fmt.Fprintf(w, "| %s | %s | %.0f | %s | %s | %s | %s | %s | %.0f%% |\n", k.backend, k.scenario, rps,
			strings.Join(all, ", "), round(p50), round(p99), share, ratio, 100*non2xx)
	}
	return nil
}

func scenarioNames() []string {
	var out []string
	for _, s := range scenarios {
		out = append(out, s.name)
	}
	return append(out, "mix")
}

// round shortens a latency to three significant digits.
func round(d time.Duration) string {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond).String()
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}
