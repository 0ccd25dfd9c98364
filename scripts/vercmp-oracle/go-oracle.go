// Reads `A<TAB>B` pairs on stdin, prints `A<TAB>B<TAB>expected` as golang.org/x/mod/semver
// decides: its Compare, or `error` where semver.IsValid rejects either version (Compare itself
// would order invalid versions below all valid ones).
// usage: GOPATH=/usr/share/gocode GO111MODULE=off go run go-oracle.go < pairs.tsv
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		line := in.Text()
		if line == "" {
			continue
		}
		ab := strings.SplitN(line, "\t", 2)
		r := "error"
		if len(ab) == 2 && semver.IsValid(ab[0]) && semver.IsValid(ab[1]) {
			r = fmt.Sprint(semver.Compare(ab[0], ab[1]))
		}
		fmt.Fprintf(out, "%s\t%s\n", line, r)
	}
}
