// Writes franzl's consumer-protocol fixtures with the Java client's own code (kafka-clients):
//
// 1. golden bytes of ConsumerProtocol subscriptions and assignments at versions 0 to 3, and of
//    the sticky assignors' user data, into core/src/consumer_protocol/testdata/*.bin;
// 2. the assignments Java's RangeAssignor, RoundRobinAssignor, StickyAssignor and
//    CooperativeStickyAssignor make for a few groups, with each group's input, into
//    std-client/src/group/assignor/testdata/java_assignments.txt.
//
// franzl's tests read both; nothing runs Java at test time. To rerun after changing a case
// (Java 17, the broker's jars as the launcher caches them), from the repository root:
//
//   java -cp "$HOME/.cache/franzl/kafka-4.3.1/lib/*" tests/java/ConsumerProtocolGolden.java .
//
// The text format, one item a line: `case NAME`, `topic NAME PARTITIONS`, then per member
// `member ID instance=ID|- generation=N topics=A,B owned=T-P,T-P` (`-` for none), then per
// assignor `assignor NAME` and one `assigned MEMBER T-P ...` line a member, and `end`.

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Assignment;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.GroupSubscription;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.clients.consumer.StickyAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

public class ConsumerProtocolGolden {
    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        writeGoldenBytes(root.resolve("core/src/consumer_protocol/testdata"));
        writeAssignments(root.resolve("std-client/src/group/assignor/testdata/java_assignments.txt"));
    }

    // ---- golden bytes -------------------------------------------------------------------

    static void writeGoldenBytes(Path dir) throws IOException {
        Files.createDirectories(dir);
        // Given unsorted: Java sorts topics, and owned partitions by topic and partition.
        Subscription full = new Subscription(
            List.of("payments", "orders"),
            ByteBuffer.wrap(new byte[] {1, 2, 3}),
            List.of(tp("payments", 2), tp("orders", 1), tp("orders", 0)),
            7,
            Optional.of("rack-a"));
        Subscription minimal = new Subscription(List.of("t"), null, List.of(), -1, Optional.empty());
        Assignment assignment = new Assignment(
            List.of(tp("orders", 0), tp("orders", 2), tp("payments", 1)),
            ByteBuffer.wrap(new byte[] {9, 9}));
        Assignment empty = new Assignment(List.of(), null);
        for (short version = 0; version <= 3; version++) {
            write(dir, "subscription_v" + version + ".bin", ConsumerProtocol.serializeSubscription(full, version));
            write(dir, "assignment_v" + version + ".bin", ConsumerProtocol.serializeAssignment(assignment, version));
        }
        write(dir, "subscription_v3_minimal.bin", ConsumerProtocol.serializeSubscription(minimal, (short) 3));
        write(dir, "assignment_v3_empty.bin", ConsumerProtocol.serializeAssignment(empty, (short) 3));

        // The sticky assignors' user data after an assignment of generation 5.
        Assignment previous = new Assignment(List.of(tp("orders", 0), tp("orders", 2)));
        ConsumerGroupMetadata metadata = new ConsumerGroupMetadata("group", 5, "member", Optional.empty());
        StickyAssignor sticky = new StickyAssignor();
        sticky.onAssignment(previous, metadata);
        write(dir, "sticky_user_data.bin", sticky.subscriptionUserData(java.util.Set.of("orders")));
        CooperativeStickyAssignor cooperative = new CooperativeStickyAssignor();
        cooperative.onAssignment(previous, metadata);
        write(dir, "cooperative_sticky_user_data.bin", cooperative.subscriptionUserData(java.util.Set.of("orders")));
    }

    static void write(Path dir, String name, ByteBuffer buffer) throws IOException {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        Files.write(dir.resolve(name), bytes);
    }

    // ---- assignor comparisons -------------------------------------------------------------

    record Member(String id, String instance, int generation, List<String> topics, List<TopicPartition> owned) {}

    record Case(String name, Map<String, Integer> topics, List<Member> members) {}

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("equal-subscriptions", topics("orders", 6, "payments", 4), List.of(
            member("m-a", null, -1, "orders,payments", ""),
            member("m-b", null, -1, "orders,payments", ""),
            member("m-c", null, -1, "orders,payments", ""))));
        cases.add(new Case("unequal-subscriptions", topics("t0", 3, "t1", 5, "t2", 2), List.of(
            member("m1", null, -1, "t0,t1", ""),
            member("m2", null, -1, "t1,t2", ""),
            member("m3", null, -1, "t0,t1,t2", ""),
            member("m4", null, -1, "t2", ""))));
        cases.add(new Case("static-members", topics("events", 7, "audit", 2), List.of(
            member("a-dynamic", null, -1, "events,audit", ""),
            member("b-static", "zeta", -1, "events,audit", ""),
            member("c-static", "alpha", -1, "events,audit", ""),
            member("d-dynamic", null, -1, "events", ""))));
        cases.add(new Case("member-joins", topics("events", 12), List.of(
            member("m1", null, 3, "events", "events-0,events-1,events-2,events-3,events-4,events-5"),
            member("m2", null, 3, "events", "events-6,events-7,events-8,events-9,events-10,events-11"),
            member("m3", null, -1, "events", ""))));
        cases.add(new Case("member-leaves", topics("a", 5, "b", 4), List.of(
            member("m1", null, 8, "a,b", "a-0,a-3,b-1"),
            member("m3", null, 8, "a,b", "a-2,b-0,b-3"))));
        cases.add(new Case("stale-and-conflicting-claims", topics("t", 6), List.of(
            member("m1", null, 5, "t", "t-0,t-1,t-2"),
            member("m2", null, 4, "t", "t-1,t-3"),
            member("m3", null, 5, "t", "t-2,t-4"))));
        cases.add(new Case("unequal-with-owners", topics("x", 4, "y", 4, "z", 3), List.of(
            member("m1", null, 2, "x,y,z", "x-0,x-1,x-2,x-3,y-0"),
            member("m2", null, 2, "y", "y-1,y-2"),
            member("m3", null, 2, "x,z", "z-0"),
            member("m4", null, -1, "y,z", ""))));
        cases.add(new Case("unknown-topic", topics("known", 3), List.of(
            member("m1", null, -1, "known,missing", ""),
            member("m2", null, -1, "missing", ""))));
        return cases;
    }

    static void writeAssignments(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        List<ConsumerPartitionAssignor> assignors = List.of(
            new RangeAssignor(), new RoundRobinAssignor(), new StickyAssignor(), new CooperativeStickyAssignor());
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file))) {
            out.println("# Written by tests/java/ConsumerProtocolGolden.java with kafka-clients; do not edit.");
            for (Case c : cases()) {
                out.println("case " + c.name());
                c.topics().forEach((topic, count) -> out.println("topic " + topic + " " + count));
                for (Member m : c.members()) {
                    out.println("member " + m.id() + " instance=" + (m.instance() == null ? "-" : m.instance())
                        + " generation=" + m.generation() + " topics=" + String.join(",", m.topics())
                        + " owned=" + (m.owned().isEmpty() ? "-" : names(m.owned())));
                }
                for (ConsumerPartitionAssignor assignor : assignors) {
                    out.println("assignor " + assignor.name());
                    Map<String, Assignment> result = assignor.assign(cluster(c.topics()), subscriptions(c, assignor)).groupAssignment();
                    for (Member m : c.members()) {
                        List<TopicPartition> partitions = new ArrayList<>(result.get(m.id()).partitions());
                        partitions.sort((l, r) -> l.topic().equals(r.topic())
                            ? Integer.compare(l.partition(), r.partition()) : l.topic().compareTo(r.topic()));
                        out.println(("assigned " + m.id() + " " + names(partitions).replace(',', ' ')).strip());
                    }
                }
                out.println("end");
            }
        }
    }

    // Each member's subscription as a member running `assignor` would send it: the sticky
    // assignors' user data comes from the assignor itself after the member's previous assignment.
    static GroupSubscription subscriptions(Case c, ConsumerPartitionAssignor assignor) {
        Map<String, Subscription> subscriptions = new LinkedHashMap<>();
        for (Member m : c.members()) {
            ByteBuffer userData = null;
            if (assignor instanceof StickyAssignor || assignor instanceof CooperativeStickyAssignor) {
                ConsumerPartitionAssignor own = assignor instanceof StickyAssignor
                    ? new StickyAssignor() : new CooperativeStickyAssignor();
                if (m.generation() >= 0) {
                    own.onAssignment(new Assignment(m.owned()),
                        new ConsumerGroupMetadata("group", m.generation(), m.id(), Optional.ofNullable(m.instance())));
                }
                userData = own.subscriptionUserData(new java.util.HashSet<>(m.topics()));
            }
            // The bytes a member sends, read back as the leader reads them.
            Subscription sent = new Subscription(m.topics(), userData, m.owned(), m.generation(), Optional.empty());
            Subscription read = ConsumerProtocol.deserializeSubscription(ConsumerProtocol.serializeSubscription(sent));
            read.setGroupInstanceId(Optional.ofNullable(m.instance()));
            subscriptions.put(m.id(), read);
        }
        return new GroupSubscription(subscriptions);
    }

    static Cluster cluster(Map<String, Integer> topics) {
        Node node = new Node(0, "localhost", 9092);
        List<PartitionInfo> partitions = new ArrayList<>();
        topics.forEach((topic, count) -> {
            for (int p = 0; p < count; p++) {
                partitions.add(new PartitionInfo(topic, p, node, new Node[] {node}, new Node[] {node}));
            }
        });
        return new Cluster("cluster", List.of(node), partitions, java.util.Set.of(), java.util.Set.of());
    }

    static Member member(String id, String instance, int generation, String topics, String owned) {
        List<TopicPartition> partitions = owned.isEmpty() ? List.of()
            : Arrays.stream(owned.split(",")).map(ConsumerProtocolGolden::parse).collect(Collectors.toList());
        return new Member(id, instance, generation, List.of(topics.split(",")), partitions);
    }

    static Map<String, Integer> topics(Object... nameCount) {
        Map<String, Integer> topics = new TreeMap<>();
        for (int i = 0; i < nameCount.length; i += 2) {
            topics.put((String) nameCount[i], (Integer) nameCount[i + 1]);
        }
        return topics;
    }

    static TopicPartition parse(String name) {
        int dash = name.lastIndexOf('-');
        return tp(name.substring(0, dash), Integer.parseInt(name.substring(dash + 1)));
    }

    static String names(List<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::toString).collect(Collectors.joining(","));
    }

    static TopicPartition tp(String topic, int partition) {
        return new TopicPartition(topic, partition);
    }
}
