//! Consumer groups whose members are processes: `group-consume` members of which one is
//! killed (SIGKILL) and whose partitions go to the others after the session timeout, with
//! every record consumed (with either group protocol); and mixed groups of franzl members and the Java console consumer,
//! led by either, with the `range` and the `cooperative-sticky` assignors, checked through the
//! Java `kafka-consumer-groups` tool, also when the franzl leader leaves while records come;
//! and a franzl member that shares no assignor with the group refused with the coordinator's
//! error.
//!
//! Every process is a [`Process`], killed by its PID when dropped, also when an assertion
//! fails. The test broker runs with `group.initial.rebalance.delay.ms=0`.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use franzl::consumer::TopicPartition;
use franzl_tests::consumer::kcat_produce;
use franzl_tests::group_members::{self, Description, java_group_consumer};
use franzl_tests::java_tools::create_topic;
use franzl_tests::processes::{Process, example};
use franzl_tests::{Profile, broker, unique_topic};

const WAIT: Duration = Duration::from_secs(90);
const PARTITIONS: i32 = 6;

/// A `group-consume` member of `group` reading `topic` from the earliest offset, with
/// `client.id` `client_id`, more `properties`, and its generations logged (`RUST_LOG=info`).
fn group_consume(
    bootstrap: &str,
    group: &str,
    topic: &str,
    client_id: &str,
    properties: &[&str],
) -> Process {
    let mut command = Command::new(example("group-consume"));
    command
        .args(["--bootstrap", bootstrap, "--group", group, "--topic", topic])
        .args(["--property", "auto.offset.reset=earliest"])
        .args(["--property", &format!("client.id={client_id}")]);
    for property in properties {
        command.args(["--property", property]);
    }
    command
        .env("RUST_LOG", "info")
        .env_remove("FRANZL_BOOTSTRAP");
    Process::start(client_id, &mut command)
}

/// Records keyed `k{i}` (spread over the partitions), valued `{prefix}{i}`.
fn produce(bootstrap: &str, topic: &str, prefix: &str, range: std::ops::Range<usize>) {
    let input: String = range.map(|i| format!("k{i}:{prefix}{i}\n")).collect();
    kcat_produce(bootstrap, topic, "none", &[], &input);
}

/// The partitions a `group-consume` member owns after the events on its stderr.
fn owned(stderr: &[String]) -> BTreeSet<TopicPartition> {
    let mut owned = BTreeSet::new();
    for line in stderr {
        let (kind, list) = line.split_once(' ').unwrap_or((line, ""));
        let partitions = list.split(',').filter(|p| !p.is_empty()).map(|p| {
            let (topic, partition) = p.rsplit_once('-').expect("topic-partition");
            TopicPartition::new(topic, partition.parse().expect("partition number"))
        });
        match kind {
            "assigned" => owned.extend(partitions),
            "revoked" | "lost" => {
                for tp in partitions {
                    owned.remove(&tp);
                }
            }
            _ => {}
        }
    }
    owned
}

/// What each of `members` owns after its events, for failure messages.
fn owners_of<'m>(members: impl IntoIterator<Item = &'m Process>) -> String {
    let owners: Vec<Vec<String>> = members
        .into_iter()
        .map(|m| owned(&m.stderr()).iter().map(ToString::to_string).collect())
        .collect();
    format!("{owners:?}")
}

/// A record line of `group-consume`: partition, offset and value.
fn record(line: &str) -> (i32, i64, String) {
    let fields: Vec<&str> = line.split('\t').collect();
    assert_eq!(fields.len(), 4, "record line {line:?}");
    let number = |text: &str| text.parse::<i64>().expect("a number");
    let partition = i32::try_from(number(fields[0])).expect("partition");
    (partition, number(fields[1]), fields[3].to_owned())
}

/// The protocol of the member's last generation, and whether it led it, from franzl's log.
fn last_generation(stderr: &[String]) -> Option<(String, bool)> {
    let line = stderr.iter().rev().find(|l| l.contains(": generation "))?;
    let protocol = line.split_once(" (")?.1.split_once(')')?.0.to_owned();
    Some((protocol, line.contains(" (leader): ")))
}

/// Polls until `done` holds, up to `within`; `what` names it in the failure, with what `state`
/// says then.
fn wait_until(
    what: &str,
    within: Duration,
    mut done: impl FnMut() -> bool,
    state: impl FnOnce() -> String,
) {
    let deadline = Instant::now() + within;
    while !done() {
        if Instant::now() >= deadline {
            panic!("no {what} within {within:?}: {}", state());
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until the tool lists the Java member (`client.id` `java-member`) of `group` with
/// `partitions` partitions.
fn wait_for_java_member(bootstrap: &str, group: &str, partitions: usize) {
    let java = || group_members::describe(bootstrap, group);
    let assigned = || java().member("java-member").map(|m| m.partitions.len());
    let what = format!("Java member with {partitions} partitions");
    wait_until(
        &what,
        WAIT,
        || assigned() == Some(partitions),
        || java().text,
    );
}

/// Every partition of `topic`, each owned by exactly one of `owners`.
fn complete_and_disjoint(topic: &str, owners: &[BTreeSet<TopicPartition>]) -> bool {
    let all: BTreeSet<TopicPartition> = (0..PARTITIONS)
        .map(|p| TopicPartition::new(topic, p))
        .collect();
    let union: BTreeSet<&TopicPartition> = owners.iter().flatten().collect();
    let total: usize = owners.iter().map(BTreeSet::len).sum();
    total == all.len() && union.len() == all.len() && union.into_iter().eq(all.iter())
}

#[test]
fn a_killed_member_has_its_partitions_reassigned_and_every_record_is_consumed() {
    killed_member(&[
        "session.timeout.ms=6000",
        "heartbeat.interval.ms=1000",
        "auto.commit.interval.ms=1000",
    ]);
}

/// As the classic test above, in a KIP-848 group: the broker's session timeout
/// (`group.consumer.session.timeout.ms`, 45 s) is the one that runs out.
#[test]
fn a_killed_member_of_a_kip_848_group_has_its_partitions_reassigned_and_every_record_is_consumed() {
    killed_member(&["group.protocol=consumer", "auto.commit.interval.ms=1000"]);
}

/// Three `group-consume` members with `settings`; one is killed mid-stream, the others get its
/// partitions after the session timeout, every record is consumed, and only the victim's
/// uncommitted tail twice.
fn killed_member(settings: &[&str]) {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("group-kill");
    create_topic(&bootstrap, None, &topic, PARTITIONS.unsigned_abs());
    let group = unique_topic("g-kill");
    let mut members: Vec<Process> = (0..3)
        .map(|i| group_consume(&bootstrap, &group, &topic, &format!("m{i}"), settings))
        .collect();
    wait_until(
        "balanced group of three",
        WAIT,
        || {
            let owners: Vec<_> = members.iter().map(|m| owned(&m.stderr())).collect();
            complete_and_disjoint(&topic, &owners) && owners.iter().all(|o| o.len() == 2)
        },
        || owners_of(&members),
    );

    // A first half, consumed and (auto) committed by everyone.
    produce(&bootstrap, &topic, "a", 0..600);
    wait_until(
        "first half consumed",
        WAIT,
        || members.iter().map(|m| m.stdout().len()).sum::<usize>() >= 600,
        || owners_of(&members),
    );
    thread::sleep(Duration::from_secs(3));

    // The second half; the victim is killed as soon as it has printed one record of it, before
    // its next auto commit.
    let victim_partitions = owned(&members[2].stderr());
    produce(&bootstrap, &topic, "b", 0..600);
    members[2].wait_for("record of the second half", WAIT, |out, _| {
        out.iter().any(|l| record(l).2.starts_with('b'))
    });
    members[2].kill();
    let killed = Instant::now();
    let victim: Vec<(i32, i64, String)> = members[2].stdout().iter().map(|l| record(l)).collect();

    let survivors = &members[..2];
    wait_until(
        "the victim's partitions reassigned",
        WAIT,
        || {
            let owners: Vec<_> = survivors.iter().map(|m| owned(&m.stderr())).collect();
            complete_and_disjoint(&topic, &owners)
        },
        || owners_of(survivors),
    );
    let reassigned_after = killed.elapsed();
    // The coordinator notices the silence only after the session timeout (the last heartbeat
    // was at most a heartbeat interval before the kill).
    assert!(
        reassigned_after >= Duration::from_secs(4),
        "reassigned {reassigned_after:?} after the kill: before the session timeout"
    );

    let expected: BTreeSet<String> = (0..600)
        .flat_map(|i| [format!("a{i}"), format!("b{i}")])
        .collect();
    let consumed = || -> Vec<(i32, i64, String)> {
        let survivors = survivors.iter().flat_map(|m| m.stdout());
        let survivors: Vec<_> = survivors.map(|l| record(&l)).collect();
        victim.iter().cloned().chain(survivors).collect()
    };
    wait_until(
        "every record consumed",
        WAIT,
        || {
            let values: BTreeSet<String> = consumed().into_iter().map(|r| r.2).collect();
            values == expected
        },
        || owners_of(survivors),
    );
    // Late duplicates would come with the records re-read: let them.
    thread::sleep(Duration::from_secs(2));
    let consumed = consumed();
    let mut times: BTreeMap<(i32, i64), usize> = BTreeMap::new();
    for (partition, offset, _) in &consumed {
        *times.entry((*partition, *offset)).or_default() += 1;
    }
    let duplicates: Vec<(i32, i64)> = times
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(at, _)| *at)
        .collect();
    let victim_tail: Vec<&(i32, i64, String)> =
        victim.iter().filter(|r| r.2.starts_with('b')).collect();
    eprintln!(
        "reassigned {reassigned_after:?} after the kill; {} records consumed, {} twice; the \
         victim printed {} of the second half, from {victim_partitions:?}",
        consumed.len(),
        duplicates.len(),
        victim_tail.len()
    );
    assert!(times.values().all(|n| *n <= 2), "a record thrice");
    // Only the uncommitted tail is read twice: records of the second half the victim printed,
    // on each partition from some offset on.
    assert!(duplicates.len() <= victim_tail.len());
    for &(partition, offset) in &duplicates {
        assert!(
            victim_tail
                .iter()
                .any(|r| r.0 == partition && r.1 == offset),
            "{partition}/{offset} read twice but not in the victim's uncommitted tail"
        );
        assert!(
            victim_tail
                .iter()
                .filter(|r| r.0 == partition && r.1 > offset)
                .all(|r| duplicates.contains(&(r.0, r.1))),
            "the duplicates of partition {partition} are not a tail of the victim's records"
        );
    }
    for member in &mut members[..2] {
        assert!(member.terminate(WAIT).success(), "{:?}", member.stderr());
    }
}

/// Who joins the group first, and so leads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leader {
    Java,
    Franzl,
}

/// An assignor, by its franzl and its Java name.
struct Strategy {
    franzl: &'static str,
    java: &'static str,
}

const RANGE: Strategy = Strategy {
    franzl: "range",
    java: "org.apache.kafka.clients.consumer.RangeAssignor",
};

const COOPERATIVE_STICKY: Strategy = Strategy {
    franzl: "cooperative-sticky",
    java: "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
};

/// Two franzl members (`franzl-0`, `franzl-1`) and a Java console consumer (`java-member`) in
/// one group of a 6-partition topic, the first to join leading it.
struct MixedGroup {
    bootstrap: String,
    topic: String,
    group: String,
    java: Process,
    franzl: [Process; 2],
}

impl MixedGroup {
    /// Starts the members, `leader` first, and waits until the assignment is complete and
    /// disjoint as the tool and the franzl members see it, made by `strategy`, led by `leader`.
    fn start(leader: Leader, strategy: &Strategy) -> Self {
        let bootstrap = broker(Profile::Plain).bootstrap();
        let topic = unique_topic(&format!("mixed-{}", strategy.franzl));
        create_topic(&bootstrap, None, &topic, PARTITIONS.unsigned_abs());
        let group = unique_topic(&format!("g-mixed-{}", strategy.franzl));
        let assignor = format!("partition.assignment.strategy={}", strategy.franzl);
        let franzl = |i: usize| {
            let client_id = format!("franzl-{i}");
            group_consume(&bootstrap, &group, &topic, &client_id, &[&assignor])
        };
        let java = || java_group_consumer(&bootstrap, &group, &topic, "java-member", strategy.java);
        let (java, first) = match leader {
            Leader::Java => {
                let java = java();
                wait_for_java_member(&bootstrap, &group, 6);
                (java, franzl(0))
            }
            Leader::Franzl => {
                let mut first = franzl(0);
                first.wait_for("assignment of every partition", WAIT, |_, err| {
                    owned(err).len() == 6
                });
                (java(), first)
            }
        };
        let members = Self {
            franzl: [first, franzl(1)],
            java,
            bootstrap,
            topic,
            group,
        };
        members.wait_stable(&["java-member", "franzl-0", "franzl-1"]);
        let chosen = group_members::strategy(&members.bootstrap, &members.group);
        assert_eq!(chosen.as_deref(), Some(strategy.franzl));
        // The franzl members' last generations: the protocol, and who led.
        let franzl_leads: Vec<bool> = members
            .franzl
            .iter()
            .map(|m| {
                let (protocol, leads) = last_generation(&m.stderr()).expect("a generation logged");
                assert_eq!(protocol, strategy.franzl);
                leads
            })
            .collect();
        assert_eq!(
            franzl_leads,
            [leader == Leader::Franzl, false],
            "who leads the group"
        );
        members
    }

    /// Waits until the tool lists exactly the members `client_ids`, the group not rebalancing,
    /// each with as many partitions as the others, complete and disjoint, and the running
    /// franzl members' own events agree.
    fn wait_stable(&self, client_ids: &[&str]) {
        let described = RefCell::new(Description::default());
        let stable = || {
            let described = &mut *described.borrow_mut();
            *described = group_members::describe(&self.bootstrap, &self.group);
            let rows: Option<Vec<&group_members::Member>> =
                client_ids.iter().map(|id| described.member(id)).collect();
            let Some(rows) = rows else { return false };
            let owners: Vec<_> = rows.iter().map(|m| m.partitions.clone()).collect();
            let each = PARTITIONS.unsigned_abs() as usize / client_ids.len();
            // The franzl members' own view agrees with the coordinator's.
            let agree = rows.iter().all(|row| {
                let franzl = self.franzl.iter().find(|m| m.name() == row.client_id);
                franzl.is_none_or(|m| owned(&m.stderr()) == row.partitions)
            });
            !described.rebalancing
                && described.members.len() == client_ids.len()
                && complete_and_disjoint(&self.topic, &owners)
                && owners.iter().all(|o| o.len() == each)
                && agree
        };
        let state = || {
            let franzl = owners_of(&self.franzl);
            format!("{}\nfranzl's own view: {franzl}", described.borrow().text)
        };
        let what = "stable, complete and disjoint assignment";
        wait_until(what, WAIT, stable, state);
    }

    /// The values every member printed so far.
    fn values(&self) -> Vec<String> {
        let franzl = self.franzl.iter().flat_map(Process::stdout);
        let franzl = franzl.map(|l| record(&l).2);
        self.java.stdout().into_iter().chain(franzl).collect()
    }

    /// Waits until the members printed `count` values `{prefix}{i}`, then a little longer for
    /// duplicates, and checks that each came exactly once.
    fn expect_each_once(&self, prefix: &str, count: usize) {
        wait_until(
            "every record consumed",
            WAIT,
            || self.values().len() >= count,
            || format!("{} records", self.values().len()),
        );
        thread::sleep(Duration::from_secs(2));
        let values = self.values();
        let unique: BTreeSet<String> = values.iter().cloned().collect();
        let expected: BTreeSet<String> = (0..count).map(|i| format!("{prefix}{i}")).collect();
        let missing: Vec<_> = expected.difference(&unique).collect();
        let extra: Vec<_> = unique.difference(&expected).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "missing {missing:?}, unexpected {extra:?}"
        );
        assert_eq!(values.len(), count, "records consumed twice");
    }

    /// Stops the franzl members that still run (SIGTERM: commit and leave), then the Java one.
    fn stop(mut self) {
        for member in &mut self.franzl {
            if member.running() {
                assert!(member.terminate(WAIT).success(), "{:?}", member.stderr());
            }
        }
        self.java.terminate(WAIT);
    }
}

/// A mixed group: every record produced is consumed exactly once across its members, and
/// each member reads some.
fn mixed_group(leader: Leader, strategy: &Strategy) {
    let members = MixedGroup::start(leader, strategy);
    produce(&members.bootstrap, &members.topic, "v", 0..600);
    members.expect_each_once("v", 600);
    for member in members.franzl.iter().chain([&members.java]) {
        assert!(
            !member.stdout().is_empty(),
            "a member with partitions read nothing"
        );
    }
    members.stop();
}

/// A mixed group whose franzl leader is stopped (SIGTERM) while records come: it commits and
/// leaves, the others share its partitions at once (no session timeout), and every record
/// is consumed exactly once.
fn leader_leaves_mid_stream(strategy: &Strategy) {
    let mut members = MixedGroup::start(Leader::Franzl, strategy);
    let (bootstrap, topic) = (members.bootstrap.clone(), members.topic.clone());
    let producer = thread::spawn(move || {
        for batch in 0..10 {
            produce(&bootstrap, &topic, "w", batch * 100..(batch + 1) * 100);
            thread::sleep(Duration::from_millis(200));
        }
    });
    members.franzl[0].wait_for("records", WAIT, |out, _| out.len() >= 50);
    let left = Instant::now();
    assert!(members.franzl[0].terminate(WAIT).success());
    members.wait_stable(&["java-member", "franzl-1"]);
    let handed_over = left.elapsed();
    producer.join().expect("the producer thread");
    members.expect_each_once("w", 1000);
    eprintln!(
        "{}: the leader left after {} records; the others had its partitions {handed_over:?} \
         later",
        strategy.franzl,
        members.franzl[0].stdout().len()
    );
    // franzl's session timeout is 45 s: without its LeaveGroup the others would wait that long.
    assert!(handed_over < Duration::from_secs(30), "{handed_over:?}");
    members.stop();
}

#[test]
fn a_mixed_group_led_by_java_assigns_with_range() {
    mixed_group(Leader::Java, &RANGE);
}

#[test]
fn a_mixed_group_led_by_franzl_assigns_with_range() {
    mixed_group(Leader::Franzl, &RANGE);
}

#[test]
fn a_mixed_group_led_by_java_assigns_with_cooperative_sticky() {
    mixed_group(Leader::Java, &COOPERATIVE_STICKY);
}

#[test]
fn a_mixed_group_led_by_franzl_assigns_with_cooperative_sticky() {
    mixed_group(Leader::Franzl, &COOPERATIVE_STICKY);
}

#[test]
fn a_franzl_member_sharing_no_assignor_with_the_java_member_is_refused_with_a_clear_error() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("mixed-inconsistent");
    create_topic(&bootstrap, None, &topic, 2);
    let group = unique_topic("g-mixed-inconsistent");
    let _java = java_group_consumer(&bootstrap, &group, &topic, "java-member", RANGE.java);
    wait_for_java_member(&bootstrap, &group, 2);
    let only = "partition.assignment.strategy=roundrobin";
    let mut franzl = group_consume(&bootstrap, &group, &topic, "franzl-0", &[only]);
    let status = franzl.wait(WAIT);
    let stderr = franzl.stderr();
    assert_eq!(status.code(), Some(1), "{stderr:?}");
    let last = stderr.last().map(String::as_str).unwrap_or_default();
    assert!(
        last.starts_with("group-consume: JoinGroup")
            && last.contains("INCONSISTENT_GROUP_PROTOCOL"),
        "{stderr:?}"
    );
}

#[test]
fn a_franzl_leader_leaving_mid_stream_hands_over_without_duplicates_with_range() {
    leader_leaves_mid_stream(&RANGE);
}

#[test]
fn a_franzl_leader_leaving_mid_stream_hands_over_without_duplicates_cooperatively() {
    leader_leaves_mid_stream(&COOPERATIVE_STICKY);
}
