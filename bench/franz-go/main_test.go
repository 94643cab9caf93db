package main

import (
	"strings"
	"testing"
)

// The pool must hold the same bytes as the Rust programs' (bench/clients/src/payload.rs).
func TestValuesMatchTheRustPrograms(t *testing.T) {
	v := newValues(1024)
	if v.count != 4096 || len(v.get(0)) != 1024 {
		t.Fatalf("count %d, size %d", v.count, len(v.get(0)))
	}
	if got := string(v.get(0)[:4]); got != "LKKY" {
		t.Fatalf("first letters %q", got)
	}
	if string(v.get(0)) == string(v.get(1)) || string(v.get(0)) != string(v.get(4096)) {
		t.Fatal("values are not distinct round robin")
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	sorted := make([]uint32, 1000)
	for i := range sorted {
		sorted[i] = uint32(i + 1)
	}
	if p := [3]uint32{percentile(sorted, 500), percentile(sorted, 990), percentile(sorted, 999)}; p != [3]uint32{500, 990, 999} {
		t.Fatalf("percentiles %v", p)
	}
	if percentile([]uint32{7}, 999) != 7 {
		t.Fatal("one sample")
	}
}

// A --set key the program does not know is an error, never ignored.
func TestSetKnowsItsOptionsAndRefusesOthers(t *testing.T) {
	if _, err := parseSet("MaxBufferedRecords=1000"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"MaxBufferedRecords=0", "MaxBufferedRecords=x", "FetchMaxWait=1s", "MaxBufferedRecords"} {
		if _, err := parseSet(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}

// group-consume must be given its group, and no other mode takes one.
func TestGroupConsumeNeedsAGroupAndOnlyItTakesOne(t *testing.T) {
	parse := func(line string) (args, error) { return parseArgs(strings.Fields(line)) }
	a, err := parse("group-consume --bootstrap h:1 --topic t --count 3 --group g-1")
	if err != nil || a.group != "g-1" || len(consumerOptions(a)) != 4 {
		t.Fatalf("%+v, %v", a, err)
	}
	for _, bad := range []string{
		"group-consume --bootstrap h:1 --topic t --count 3",
		"consume --bootstrap h:1 --topic t --count 3 --group g",
		"produce --bootstrap h:1 --topic t --count 3 --group g",
	} {
		if _, err := parse(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}
