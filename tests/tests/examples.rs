//! The example programs (`examples/src/bin/`) as tests: each is built once with
//! `cargo build -p franzl-examples --bins` and run as a real process against the `plain`
//! broker, with `--bootstrap`, and what it prints is checked.
//!
//! Every run has a deadline ([`RUN_TIMEOUT`]): a hung example is killed and fails its test.

use std::io::{Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use franzl::group::OffsetAndMetadata;
use franzl::{Admin, AdminConfig, TopicPartition};
use franzl_tests::client::plain_config;
use franzl_tests::group_members;
use franzl_tests::processes::{Process, example};
use franzl_tests::producer::create_topic;
use franzl_tests::{Profile, broker, unique_topic};

/// How long one example may run before it is killed.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// What an example printed and how it ended.
#[derive(Debug)]
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Run {
    /// This run, after checking it exited with status 0.
    fn expect_success(self, what: &str) -> Self {
        assert!(self.status.success(), "{what} failed: {self:#?}");
        self
    }
}

/// Runs example `name` with `--bootstrap` for the plain broker, then `args`, feeding `stdin`.
fn run(name: &str, args: &[&str], stdin: &str) -> Run {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let mut child = Command::new(example(name))
        .arg("--bootstrap")
        .arg(&bootstrap)
        .args(args)
        .env_remove("FRANZL_BOOTSTRAP")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
    // Readers on their own threads, so a full pipe never stalls the example.
    let stdout = reader(child.stdout.take());
    let stderr = reader(child.stderr.take());
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(stdin.as_bytes()).expect("write stdin");
        // Dropping the pipe closes it: the example sees the end of its input.
    }
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the example") {
            break status;
        }
        if started.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{name} {args:?} ran longer than {RUN_TIMEOUT:?}; stderr:\n{}",
                stderr.join().unwrap_or_default()
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    Run {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

fn reader(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

#[test]
fn quickstart_reads_back_what_it_produced() {
    let topic = unique_topic("example-quickstart");
    let run = run("quickstart", &[&topic], "").expect_success("quickstart");
    assert!(
        run.stdout.contains(&format!("created topic {topic}")),
        "{run:#?}"
    );
    let read: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("read offset "))
        .collect();
    assert_eq!(
        read,
        [
            "read offset 0: greeting=hello",
            "read offset 1: greeting=from",
            "read offset 2: name=franzl",
        ],
        "{run:#?}"
    );
}

#[test]
fn admin_creates_lists_describes_and_deletes_a_topic() {
    let topic = unique_topic("example-admin");
    let created =
        run("admin", &["create", &topic, "--partitions", "2"], "").expect_success("admin create");
    assert_eq!(created.stdout.trim(), format!("created {topic}"));

    let listed = run("admin", &["list"], "").expect_success("admin list");
    assert!(
        listed.stdout.lines().any(|line| line == topic),
        "{topic} not listed: {listed:#?}"
    );

    let described = run("admin", &["describe", &topic], "").expect_success("admin describe");
    let mut lines = described.stdout.lines();
    assert_eq!(
        lines.next(),
        Some(format!("{topic}: 2 partitions").as_str())
    );
    for partition in 0..2 {
        let line = lines.next().unwrap_or_default();
        assert!(
            line.starts_with(&format!("  partition {partition} leader ")),
            "{described:#?}"
        );
    }

    let deleted = run("admin", &["delete", &topic], "").expect_success("admin delete");
    assert_eq!(deleted.stdout.trim(), format!("deleted {topic}"));
    // Deletion settles on the controller shortly after the answer: poll the listing.
    let started = Instant::now();
    loop {
        let listed = run("admin", &["list"], "").expect_success("admin list");
        if !listed.stdout.lines().any(|line| line == topic) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{topic} still listed after delete"
        );
        thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn produce_count_then_consume_prints_every_record() {
    let topic = unique_topic("example-produce-count");
    create_topic(broker(Profile::Plain), &topic, 1, 1);
    let args = ["--topic", &topic, "--count", "1000", "--size", "100"];
    let options = ["--compression", "lz4", "--acks", "all"];
    let produced = run("produce", &[&args[..], &options[..]].concat(), "");
    produced.expect_success("produce --count");

    let consumed = run(
        "consume",
        &["--topic", &topic, "--from", "earliest", "--count", "1000"],
        "",
    )
    .expect_success("consume");
    let lines: Vec<&str> = consumed.stdout.lines().collect();
    assert_eq!(lines.len(), 1000, "{}", consumed.stderr);
    let value = "x".repeat(100);
    for (offset, line) in lines.iter().enumerate() {
        assert_eq!(*line, format!("0\t{offset}\t\t{value}"));
    }
}

#[test]
fn produce_stdin_then_consume_prints_keys_and_values_in_order() {
    let topic = unique_topic("example-produce-stdin");
    create_topic(broker(Profile::Plain), &topic, 1, 1);
    let input = "k1\tfirst value\nplain value\nk2\tsecond\n\nlast\n";
    run("produce", &["--topic", &topic], input).expect_success("produce from stdin");

    let consumed = run(
        "consume",
        &["--topic", &topic, "--from", "earliest", "--count", "5"],
        "",
    )
    .expect_success("consume");
    let lines: Vec<&str> = consumed.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "0\t0\tk1\tfirst value",
            "0\t1\t\tplain value",
            "0\t2\tk2\tsecond",
            "0\t3\t\t",
            "0\t4\t\tlast",
        ],
        "{consumed:#?}"
    );
}

#[test]
fn admin_groups_shows_offsets_lag_and_the_group_then_deletes_it() {
    let topic = unique_topic("example-admin-groups");
    let group = unique_topic("example-admin-groups-group");
    create_topic(broker(Profile::Plain), &topic, 1, 1);
    run("produce", &["--topic", &topic], "a\nb\nc\nd\n").expect_success("produce");
    smol::block_on(async {
        let config = AdminConfig::from_client(plain_config(broker(Profile::Plain)));
        let admin = Admin::connect(config).await.expect("admin");
        let offsets = [(TopicPartition::new(&topic, 0), OffsetAndMetadata::new(1))];
        admin.alter_group_offsets(&group, &offsets).await.unwrap();
    });
    let shown = run("admin", &["groups", "offsets", &group], "").expect_success("offsets");
    assert_eq!(shown.stdout, format!("{topic}-0 1 \"\"\n"), "{shown:#?}");
    let lag = run("admin", &["groups", "lag", &group], "").expect_success("groups lag");
    assert_eq!(lag.stdout, format!("{topic}-0 1 4 3\n"), "{lag:#?}");
    let listed = run("admin", &["groups", "list"], "").expect_success("groups list");
    assert!(
        listed
            .stdout
            .lines()
            .any(|line| line == format!("{group} - Empty classic")),
        "{listed:#?}"
    );
    let described = run("admin", &["groups", "describe", &group], "").expect_success("describe");
    assert_eq!(
        described.stdout,
        format!("{group}: state Empty, protocol type -, protocol -, 0 members\n"),
        "{described:#?}"
    );
    let deleted = run("admin", &["groups", "delete", &group], "").expect_success("delete");
    assert_eq!(deleted.stdout.trim(), format!("deleted {group}"));
    let wrong = run("admin", &["groups", "lag"], "");
    assert!(!wrong.status.success(), "{wrong:#?}");
    assert!(wrong.stderr.contains("name one group"), "{wrong:#?}");
}

#[test]
fn group_consume_commits_after_count_and_on_sigterm_then_leaves_the_group() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("example-group-consume");
    create_topic(broker(Profile::Plain), &topic, 2, 1);
    let produce = |range: std::ops::Range<u32>| {
        let input: String = range.map(|i| format!("k{i}\tv{i}\n")).collect();
        run("produce", &["--topic", &topic], &input).expect_success("produce");
    };
    let values = |stdout: &[&str]| -> Vec<String> {
        let mut values: Vec<String> = stdout
            .iter()
            .map(|line| line.rsplit('\t').next().unwrap_or_default().to_owned())
            .collect();
        values.sort();
        values
    };
    let expected = |range: std::ops::Range<u32>| {
        let mut values: Vec<String> = range.map(|i| format!("v{i}")).collect();
        values.sort();
        values
    };
    let group = unique_topic("example-group");
    // Auto commit off: what is committed is the example's own commit.
    let member = [
        "--group",
        &group,
        "--topic",
        &topic,
        "--property",
        "auto.offset.reset=earliest",
        "--property",
        "enable.auto.commit=false",
    ];

    produce(0..10);
    let counted = run(
        "group-consume",
        &[&member[..], &["--count", "10"]].concat(),
        "",
    )
    .expect_success("group-consume --count");
    let lines: Vec<&str> = counted.stdout.lines().collect();
    assert_eq!(values(&lines), expected(0..10), "{counted:#?}");
    let mut assigned: Vec<&str> = counted
        .stderr
        .lines()
        .find_map(|line| line.strip_prefix("assigned "))
        .unwrap_or_else(|| panic!("no assignment on stderr: {counted:#?}"))
        .split(',')
        .collect();
    assigned.sort_unstable();
    assert_eq!(assigned, [format!("{topic}-0"), format!("{topic}-1")]);

    // Without --count until SIGTERM: it resumes after the commit, and commits and leaves.
    produce(10..15);
    let mut command = Command::new(example("group-consume"));
    command.args(["--bootstrap", &bootstrap]).args(member);
    let mut running = Process::start("group-consume", &mut command);
    running.wait_for("five records", RUN_TIMEOUT, |out, _| out.len() >= 5);
    let status = running.terminate(RUN_TIMEOUT);
    assert!(status.success(), "{status}: {:?}", running.stderr());
    let stdout = running.stdout();
    let lines: Vec<&str> = stdout.iter().map(String::as_str).collect();
    assert_eq!(values(&lines), expected(10..15));
    let described = group_members::describe(&bootstrap, &group);
    assert!(described.members.is_empty(), "{}", described.text);

    produce(15..16);
    let last = run(
        "group-consume",
        &[&member[..], &["--count", "1"]].concat(),
        "",
    )
    .expect_success("group-consume after SIGTERM");
    let lines: Vec<&str> = last.stdout.lines().collect();
    assert_eq!(
        values(&lines),
        ["v15"],
        "resumes after the commit made on SIGTERM"
    );
}
