//! Transactions across clients, on the plain broker: franzl's `transactional-copy` example
//! (with aborts on purpose) feeds the Java console consumer at `read_committed`, and the Java
//! `TransactionalMessageCopier` from the broker's tools (with its random aborts) feeds a franzl
//! `read_committed` consumer. In both, the reader sees every input record's copy exactly once
//! and nothing of an aborted transaction, while a `read_uncommitted` reader shows the aborted
//! copies were written.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use franzl::config::IsolationLevel;
use franzl::{Producer, ProducerRecord};
use franzl_tests::java_tools::{self, create_topic};
use franzl_tests::processes::{Process, example};
use franzl_tests::transactions::{WAIT, numbered, read_all};
use franzl_tests::{Profile, broker, unique_topic};

/// Input records per test.
const RECORDS: usize = 600;

/// Writes `values` to `topic`, spread over `partitions` partitions.
fn fill(bootstrap: &str, topic: &str, partitions: i32, values: &[String]) {
    smol::block_on(async {
        let config = franzl::ProducerConfig::builder()
            .client(|c| c.bootstrap_servers(bootstrap.split(',')))
            .build()
            .unwrap();
        let producer = Producer::connect(config).await.unwrap();
        let mut deliveries = Vec::new();
        for (i, value) in values.iter().enumerate() {
            let partition = i32::try_from(i).unwrap() % partitions;
            let record = ProducerRecord::new(topic, value.as_bytes()).partition(partition);
            deliveries.push(producer.send(record).await.unwrap());
        }
        for delivery in deliveries {
            delivery.await.unwrap();
        }
        producer.close().await;
    });
}

/// How many times each value occurs.
fn counts(values: &[String]) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for value in values {
        *counts.entry(value.as_str()).or_default() += 1;
    }
    counts
}

/// Checks that `seen` holds each of `expected` exactly once and nothing else.
fn exactly_once(seen: &[String], expected: &[String]) {
    let twice: Vec<_> = counts(seen).into_iter().filter(|(_, n)| *n > 1).collect();
    assert!(twice.is_empty(), "copied more than once: {twice:?}");
    let mut sorted = seen.to_vec();
    sorted.sort();
    let mut wanted = expected.to_vec();
    wanted.sort();
    assert_eq!(sorted.len(), wanted.len(), "records seen");
    assert_eq!(sorted, wanted);
}

#[test]
fn franzl_transactional_copy_feeds_the_java_console_consumer_at_read_committed() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let (input, output) = (unique_topic("txcopy-in"), unique_topic("txcopy-out"));
    create_topic(&bootstrap, None, &input, 3);
    create_topic(&bootstrap, None, &output, 1);
    let values = numbered("record-", 0..RECORDS);
    fill(&bootstrap, &input, 3, &values);

    let count = RECORDS.to_string();
    let group = unique_topic("g-txcopy");
    let mut copier = Process::start(
        "transactional-copy",
        Command::new(example("transactional-copy")).args([
            "--bootstrap",
            &bootstrap,
            "--group",
            &group,
            "--from",
            &input,
            "--to",
            &output,
            "--count",
            &count,
            "--abort-every",
            "3",
            "--consumer-property",
            "max.poll.records=40",
        ]),
    );
    let status = copier.wait(Duration::from_secs(120));
    assert!(
        status.success(),
        "{:?} {:?}",
        copier.stdout(),
        copier.stderr()
    );
    let summary = copier.stdout().join("\n");
    println!("transactional-copy: {summary}");
    assert!(
        summary.starts_with(&format!("committed {RECORDS} records in ")),
        "{summary}"
    );
    assert!(
        !summary.ends_with("aborted 0"),
        "some transactions were aborted: {summary}"
    );

    let timeout = "10000";
    let args = [
        "--bootstrap-server",
        &bootstrap,
        "--topic",
        &output,
        "--from-beginning",
        "--isolation-level",
        "read_committed",
        "--timeout-ms",
        timeout,
    ];
    // The console consumer ends with an error when its timeout passes: that is how it stops.
    let run = java_tools::run("console-consumer", &args, None, "");
    let seen: Vec<String> = run.stdout.lines().map(str::to_owned).collect();
    let expected: Vec<String> = values.iter().map(|v| v.to_ascii_uppercase()).collect();
    exactly_once(&seen, &expected);

    let everything = smol::block_on(read_all(
        &bootstrap,
        &output,
        IsolationLevel::ReadUncommitted,
        RECORDS + 1,
        Duration::from_secs(5),
    ));
    assert!(
        everything.len() > RECORDS,
        "the aborted copies were written too"
    );
}

#[test]
fn the_java_transactional_copier_feeds_a_franzl_read_committed_consumer() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let (input, output) = (unique_topic("javacopy-in"), unique_topic("javacopy-out"));
    create_topic(&bootstrap, None, &input, 1);
    create_topic(&bootstrap, None, &output, 1);
    let values = numbered("record-", 0..RECORDS);
    fill(&bootstrap, &input, 1, &values);

    let group = unique_topic("g-javacopy");
    let id = unique_topic("javacopy");
    let args = [
        "--broker-list",
        &bootstrap,
        "--input-topic",
        &input,
        "--input-partition",
        "0",
        "--output-topic",
        &output,
        "--consumer-group",
        &group,
        "--transactional-id",
        &id,
        "--transaction-size",
        "20",
        "--max-messages",
        "-1",
        "--enable-random-aborts",
        "--use-group-metadata",
    ];
    let run = java_tools::run("transactional-copier", &args, None, "");
    assert!(run.success, "the Java copier failed: {run:?}");

    let seen = smol::block_on(read_all(
        &bootstrap,
        &output,
        IsolationLevel::ReadCommitted,
        RECORDS,
        WAIT,
    ));
    exactly_once(&seen, &values);
    let everything = smol::block_on(read_all(
        &bootstrap,
        &output,
        IsolationLevel::ReadUncommitted,
        RECORDS + 1,
        Duration::from_secs(5),
    ));
    println!(
        "the Java copier wrote {} copies for {RECORDS} records",
        everything.len()
    );
    assert!(
        everything.len() > RECORDS,
        "the Java copier aborted some transactions"
    );
}
