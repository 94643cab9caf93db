// Command franz-go-bench is the benchmark's franz-go (kgo) client. It speaks the CLI contract of
// bench/clients/README.md and prints the same one JSON line as the Rust client programs.
//
// Allocations are the Go runtime's count of heap objects (runtime.MemStats.Mallocs) made during
// the timed part: comparable in kind to the Rust programs' counting allocator, not to malloc calls.
//
// `--set KEY=VALUE` (repeatable) sets a kgo option by its name, for the tuned rows: only the
// options in setters are known, and any other key is an error rather than ignored.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// args holds one run's parameters, as the contract names them.
type args struct {
	mode          string
	bootstrap     string
	topic         string
	group         string
	groupProtocol string
	partitions    int
	count         int64
	size          int
	acks          string
	compression   string
	idempotent    bool
	warmup        int64
	lingerMs      int
	// options are the kgo options given with --set, in order.
	options []kgo.Opt
}

// setters are the kgo options --set knows, by name, each from its value.
var setters = map[string]func(string) (kgo.Opt, error){
	"MaxBufferedRecords": func(value string) (kgo.Opt, error) {
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("MaxBufferedRecords takes a positive number, not %q", value)
		}
		return kgo.MaxBufferedRecords(n), nil
	},
}

// parseSet reads one --set KEY=VALUE into a kgo option.
func parseSet(setting string) (kgo.Opt, error) {
	key, value, ok := strings.Cut(setting, "=")
	if !ok {
		return nil, fmt.Errorf("--set takes KEY=VALUE, not %q", setting)
	}
	setter, known := setters[key]
	if !known {
		return nil, fmt.Errorf("--set %s: not an option this program knows", key)
	}
	return setter(value)
}

// outcome is what a run did, printed as one JSON line.
type outcome struct {
	mode            string
	records, bytes  int64
	elapsed         time.Duration
	warmup          int64
	allocs, allocB  uint64
	latenciesMicros []uint32
}

// parseArgs reads the arguments after the program's name.
func parseArgs(argv []string) (args, error) {
	if len(argv) < 1 {
		return args{}, errors.New("expected produce|consume|group-consume|roundtrip")
	}
	a := args{mode: argv[0]}
	fs := flag.NewFlagSet(a.mode, flag.ContinueOnError)
	fs.StringVar(&a.bootstrap, "bootstrap", "", "host:port")
	fs.StringVar(&a.topic, "topic", "", "topic")
	fs.StringVar(&a.group, "group", "", "the consumer group group-consume joins")
	fs.StringVar(&a.groupProtocol, "group-protocol", "classic", "classic or consumer (KIP-848)")
	fs.IntVar(&a.partitions, "partitions", 1, "partitions")
	fs.Int64Var(&a.count, "count", 0, "records in the timed part")
	fs.IntVar(&a.size, "size", 100, "value size")
	fs.StringVar(&a.acks, "acks", "1", "0, 1 or all")
	fs.StringVar(&a.compression, "compression", "none", "none, gzip, snappy, lz4, zstd")
	fs.BoolVar(&a.idempotent, "idempotent", false, "idempotent producer")
	fs.Int64Var(&a.warmup, "warmup", 0, "untimed records first")
	fs.IntVar(&a.lingerMs, "linger-ms", 5, "linger")
	fs.Func("set", "KEY=VALUE: a kgo option by name (repeatable)", func(setting string) error {
		opt, err := parseSet(setting)
		if err == nil {
			a.options = append(a.options, opt)
		}
		return err
	})
	if err := fs.Parse(argv[1:]); err != nil {
		return a, err
	}
	switch a.mode {
	case "produce", "consume", "group-consume", "roundtrip":
	default:
		return a, fmt.Errorf("expected produce|consume|group-consume|roundtrip, got %q", a.mode)
	}
	if a.mode == "group-consume" && a.group == "" {
		return a, errors.New("group-consume needs --group: the consumer group to join")
	}
	if a.mode != "group-consume" && a.group != "" {
		return a, fmt.Errorf("--group is for group-consume only, not %s", a.mode)
	}
	if a.groupProtocol != "classic" && a.groupProtocol != "consumer" {
		return a, fmt.Errorf("--group-protocol takes classic or consumer, not %q", a.groupProtocol)
	}
	if a.mode != "group-consume" && a.groupProtocol != "classic" {
		return a, fmt.Errorf("--group-protocol is for group-consume only, not %s", a.mode)
	}
	if a.bootstrap == "" || a.topic == "" || a.count <= 0 {
		return a, errors.New("--bootstrap, --topic and a non-zero --count are required")
	}
	return a, nil
}

// values is the contract's pool of record values: at least 1024 values and about 4 MiB of random
// letters A..Z from a fixed xorshift64 seed, read round robin (the same bytes as the Rust programs).
type values struct {
	bytes       []byte
	size, count int
}

func newValues(size int) values {
	count := (4 << 20) / max(size, 1)
	count = max(count, 1024)
	state := uint64(0x9E3779B97F4A7C15)
	bytes := make([]byte, size*count)
	for i := range bytes {
		state ^= state << 13
		state ^= state >> 7
		state ^= state << 17
		bytes[i] = 'A' + byte(state%26)
	}
	return values{bytes: bytes, size: size, count: count}
}

// get is the value of record number index.
func (v values) get(index int64) []byte {
	start := int(index%int64(v.count)) * v.size
	return v.bytes[start : start+v.size : start+v.size]
}

func producerOptions(a args, linger time.Duration) ([]kgo.Opt, error) {
	opts := []kgo.Opt{kgo.SeedBrokers(a.bootstrap), kgo.DefaultProduceTopic(a.topic), kgo.ProducerLinger(linger)}
	opts = append(opts, a.options...)
	switch a.acks {
	case "0":
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()))
	case "1":
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()))
	case "all", "-1":
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	default:
		return nil, fmt.Errorf("--acks takes 0, 1 or all, not %q", a.acks)
	}
	if !a.idempotent {
		// kgo is idempotent unless told otherwise; the contract's default is not.
		opts = append(opts, kgo.DisableIdempotentWrite())
	}
	codecs := map[string]kgo.CompressionCodec{
		"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(),
		"lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression(),
	}
	codec, ok := codecs[a.compression]
	if !ok {
		return nil, fmt.Errorf("unknown compression %q", a.compression)
	}
	return append(opts, kgo.ProducerBatchCompression(codec)), nil
}

// sendAll produces count records (values from first on) and waits until each was acknowledged or
// failed.
func sendAll(ctx context.Context, cl *kgo.Client, vals values, first, count int64) error {
	var failed atomic.Int64
	var firstErr atomic.Value
	done := func(_ *kgo.Record, err error) {
		if err != nil {
			failed.Add(1)
			firstErr.CompareAndSwap(nil, err)
		}
	}
	for i := first; i < first+count; i++ {
		cl.Produce(ctx, &kgo.Record{Value: vals.get(i)}, done)
	}
	if err := cl.Flush(ctx); err != nil {
		return err
	}
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d of %d records failed: %v", n, count, firstErr.Load())
	}
	return nil
}

func mallocs() (uint64, uint64) {
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return stats.Mallocs, stats.TotalAlloc
}

func produce(ctx context.Context, a args) (outcome, error) {
	linger := time.Duration(a.lingerMs) * time.Millisecond
	if a.mode == "roundtrip" {
		linger = 0
	}
	opts, err := producerOptions(a, linger)
	if err != nil {
		return outcome{}, err
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return outcome{}, err
	}
	defer cl.Close()
	vals := newValues(a.size)
	if err := sendAll(ctx, cl, vals, 0, a.warmup); err != nil {
		return outcome{}, err
	}
	var latencies []uint32
	if a.mode == "roundtrip" {
		latencies = make([]uint32, 0, a.count)
	}
	allocs0, bytes0 := mallocs()
	start := time.Now()
	if a.mode == "roundtrip" {
		for i := a.warmup; i < a.warmup+a.count; i++ {
			began := time.Now()
			if err := cl.ProduceSync(ctx, &kgo.Record{Value: vals.get(i)}).FirstErr(); err != nil {
				return outcome{}, err
			}
			latencies = append(latencies, uint32(time.Since(began).Microseconds()))
		}
	} else if err := sendAll(ctx, cl, vals, a.warmup, a.count); err != nil {
		return outcome{}, err
	}
	elapsed := time.Since(start)
	allocs1, bytes1 := mallocs()
	return outcome{mode: a.mode, records: a.count, bytes: a.count * int64(a.size), elapsed: elapsed,
		warmup: a.warmup, allocs: allocs1 - allocs0, allocB: bytes1 - bytes0, latenciesMicros: latencies}, nil
}

// consumerOptions reads partitions 0..partitions assigned from the start (consume), or joins
// --group subscribed to the topic from the start (group-consume: the group is fresh, nothing is
// committed; kgo's other group settings stay at their defaults, autocommit included).
func consumerOptions(a args) []kgo.Opt {
	opts := []kgo.Opt{kgo.SeedBrokers(a.bootstrap)}
	if a.mode == "group-consume" {
		opts = append(opts, kgo.ConsumerGroup(a.group), kgo.ConsumeTopics(a.topic),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		if a.groupProtocol == "consumer" {
			// kgo's KIP-848 groups: ServerSideBalancer with the sticky balancer, whose
			// server-side name is the broker's default assignor, uniform.
			opts = append(opts, kgo.ServerSideBalancer(), kgo.Balancers(kgo.StickyBalancer()))
		}
		return opts
	}
	offsets := map[int32]kgo.Offset{}
	for p := 0; p < a.partitions; p++ {
		offsets[int32(p)] = kgo.NewOffset().AtStart()
	}
	return append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{a.topic: offsets}))
}

func consume(ctx context.Context, a args) (outcome, error) {
	opts := consumerOptions(a)
	cl, err := kgo.NewClient(append(opts, a.options...)...)
	if err != nil {
		return outcome{}, err
	}
	defer cl.Close()
	var records, bytes int64
	allocs0, bytes0 := mallocs()
	// The clock starts at the first record, as in every contract program (after a group's join).
	var start time.Time
	for records < a.count {
		pollCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		fetches := cl.PollFetches(pollCtx)
		cancel()
		if errs := fetches.Errors(); len(errs) > 0 {
			return outcome{}, fmt.Errorf("after %d records: %v", records, errs[0].Err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			if records == 0 {
				start = time.Now()
			}
			// A fetch may bring more than asked: only the first count records are counted.
			if records < a.count {
				records++
				bytes += int64(len(r.Value))
			}
		})
	}
	elapsed := time.Since(start)
	allocs1, bytes1 := mallocs()
	return outcome{mode: a.mode, records: records, bytes: bytes, elapsed: elapsed,
		allocs: allocs1 - allocs0, allocB: bytes1 - bytes0}, nil
}

// percentile is the nearest-rank percentile of sorted samples, in per mille.
func percentile(sorted []uint32, perMille int) uint32 {
	rank := (len(sorted)*perMille + 999) / 1000
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

func (o outcome) json() string {
	line := fmt.Sprintf(`{"client":"franz-go","mode":"%s","records":%d,"bytes":%d,"elapsed_s":%.6f,"warmup":%d,"allocs":%d,"alloc_bytes":%d`,
		o.mode, o.records, o.bytes, o.elapsed.Seconds(), o.warmup, o.allocs, o.allocB)
	if len(o.latenciesMicros) == 0 {
		return line + `,"p50_us":null,"p99_us":null,"p999_us":null}`
	}
	sort.Slice(o.latenciesMicros, func(i, j int) bool { return o.latenciesMicros[i] < o.latenciesMicros[j] })
	s := o.latenciesMicros
	return line + fmt.Sprintf(`,"p50_us":%d,"p99_us":%d,"p999_us":%d}`, percentile(s, 500), percentile(s, 990), percentile(s, 999))
}

func main() {
	a, err := parseArgs(os.Args[1:])
	if err == nil {
		var o outcome
		if a.mode == "consume" || a.mode == "group-consume" {
			o, err = consume(context.Background(), a)
		} else {
			o, err = produce(context.Background(), a)
		}
		if err == nil {
			fmt.Println(o.json())
			return
		}
	}
	fmt.Fprintln(os.Stderr, "franz-go-bench:", err)
	os.Exit(1)
}
