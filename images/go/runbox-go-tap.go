// runbox-go-tap: go test -json's events (test2json), and its other output, on stdin as a
// TAP 13 report on stdout: one result per top-level test in the order they ended, a failed
// test's output as its message, and one failed "go test" result with go test's messages when
// no test ran (the tests did not build). Built into the image by its Dockerfile (images/go/).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

type event struct {
	Action  string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	fmt.Fprintln(out, "TAP version 13")
	logs := map[string]*strings.Builder{}
	var pkg strings.Builder // the package's own output: a build failure of the tests
	n := 0
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<16), 1<<22)
	for in.Scan() {
		var e event
		if json.Unmarshal(in.Bytes(), &e) != nil {
			// go test's own text (it writes a build failure as text, not as events)
			pkg.WriteString(in.Text() + "\n")
			continue
		}
		if strings.Contains(e.Test, "/") {
			continue
		}
		if e.Test == "" {
			if e.Action == "output" {
				pkg.WriteString(e.Output)
			}
			continue
		}
		switch e.Action {
		case "run":
			// Named before it runs: a test a time limit stops is the last one named.
			fmt.Fprintf(out, "# Subtest: %s\n", e.Test)
			out.Flush()
		case "output":
			if logs[e.Test] == nil {
				logs[e.Test] = &strings.Builder{}
			}
			t := strings.TrimSpace(e.Output)
			if !strings.HasPrefix(t, "=== ") && !strings.HasPrefix(t, "--- ") {
				logs[e.Test].WriteString(e.Output)
			}
		case "pass", "fail", "skip":
			n++
			switch e.Action {
			case "pass":
				fmt.Fprintf(out, "ok %d - %s\n", n, e.Test)
			case "skip":
				fmt.Fprintf(out, "ok %d - %s # SKIP\n", n, e.Test)
			default:
				fmt.Fprintf(out, "not ok %d - %s\n  ---\n  duration_ms: %.0f\n  message: |-\n", n, e.Test, e.Elapsed*1000)
				msg := "failed"
				if b := logs[e.Test]; b != nil && strings.TrimSpace(b.String()) != "" {
					msg = strings.TrimRight(b.String(), "\n")
				}
				for _, line := range strings.Split(msg, "\n") {
					fmt.Fprintf(out, "    %s\n", strings.TrimSpace(line))
				}
				fmt.Fprintln(out, "  ...")
			}
			out.Flush()
		}
	}
	if n == 0 && strings.TrimSpace(pkg.String()) != "" {
		// No test ran: the tests did not build with the student's code (or did not start).
		n++
		fmt.Fprintf(out, "not ok %d - go test\n  ---\n  message: |-\n", n)
		for _, line := range strings.Split(strings.TrimRight(pkg.String(), "\n"), "\n") {
			fmt.Fprintf(out, "    %s\n", line)
		}
		fmt.Fprintln(out, "  ...")
	}
	fmt.Fprintf(out, "1..%d\n", n)
}
