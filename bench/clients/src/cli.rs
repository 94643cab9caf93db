//! The command line every client program accepts:
//! `<client> produce|consume|group-consume|roundtrip|transactional-produce --bootstrap H:P
//! --topic T [--partitions P] --count N [--group G [--group-protocol classic|consumer]]
//! [--size S] [--acks 0|1|all]
//! [--compression none|gzip|lz4|zstd|snappy] [--idempotent] [--warmup W] [--linger-ms L]
//! [--transactional-id ID] [--transaction-records R] [--set KEY=VALUE]...`, and
//! `<client> idle-producer|idle-consumer --bootstrap H:P --topic T [--idle-s S]`.
//!
//! `group-consume` needs `--group` (the group to join, fresh for each run), and only it takes one,
//! or a `--group-protocol` (`consumer`: KIP-848's, the broker assigning).
//! `transactional-produce` needs `--transactional-id`, `--transaction-records` (a whole number of
//! transactions in both `--count` and `--warmup`), `--idempotent` and `--acks all`, and only it
//! takes the first two.
//!
//! Parsing fails with a message naming the argument; a client that cannot honour an option it was
//! given (rskafka and `--acks 1`, say, or a `--set` property) must fail rather than silently run
//! something else.

use std::time::Duration;

/// What the client is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Send `count` records (after `warmup` untimed ones) as fast as the client can.
    Produce,
    /// Read `count` records from the earliest offset of partitions `0..partitions`, assigned
    /// directly (no consumer group).
    Consume,
    /// Read `count` records of the topic as a member of the consumer group `group` (fresh for each
    /// run, so it has no committed offsets), subscribed to the topic with
    /// `auto.offset.reset=earliest`; the clock starts at the first record, after the join.
    GroupConsume,
    /// Send `count` records one at a time, each after the previous one was acknowledged.
    Roundtrip,
    /// Send `count` records in transactions of `transaction_records` each (begin, send them round
    /// robin over partitions `0..partitions`, commit), one transaction after the other.
    TransactionalProduce,
    /// Make a producer, connect it, send nothing, and count the process's wake-ups while it idles.
    IdleProducer,
    /// Make a consumer assigned to partition 0 at its end, and count the process's wake-ups
    /// while it waits for records that never come.
    IdleConsumer,
}

impl Mode {
    /// Whether this is one of the idle modes (no records, a window of `idle` instead).
    pub fn is_idle(self) -> bool {
        matches!(self, Mode::IdleProducer | Mode::IdleConsumer)
    }

    /// The mode's name on the command line and in the result line.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Produce => "produce",
            Mode::Consume => "consume",
            Mode::GroupConsume => "group-consume",
            Mode::Roundtrip => "roundtrip",
            Mode::TransactionalProduce => "transactional-produce",
            Mode::IdleProducer => "idle-producer",
            Mode::IdleConsumer => "idle-consumer",
        }
    }
}

/// The acknowledgement level asked of the broker: franzl-core's.
pub use franzl_core::messages::Acks;

/// One run's parameters, as given on the command line.
#[derive(Debug, Clone)]
pub struct Args {
    /// The mode (first argument).
    pub mode: Mode,
    /// `host:port` of one broker.
    pub bootstrap: String,
    /// The topic; it exists before the client starts.
    pub topic: String,
    /// How many partitions the topic has (default 1).
    pub partitions: i32,
    /// How many records to send or read in the timed part.
    pub count: u64,
    /// The consumer group `group-consume` joins (`--group`); required there, refused elsewhere.
    pub group: Option<String>,
    /// The group protocol of `group-consume` (`--group-protocol classic|consumer`, default
    /// `classic`; `consumer` is KIP-848's); refused elsewhere.
    pub group_protocol: Option<String>,
    /// Value size in bytes (default 100); keys are null.
    pub size: usize,
    /// Acknowledgements (default 1).
    pub acks: Acks,
    /// Compression codec name, as Kafka spells it (default `none`).
    pub compression: String,
    /// Whether the producer is idempotent (implies `acks=all`).
    pub idempotent: bool,
    /// Records sent before the clock starts (default 0); they land in the same topic.
    pub warmup: u64,
    /// How long the producer may wait to fill a batch (default 5 ms, the Java client's default).
    pub linger: Duration,
    /// Client properties given with `--set KEY=VALUE`, in order: the documented throughput
    /// settings of a peer's tuned row. A program that cannot apply one must fail.
    pub properties: Vec<(String, String)>,
    /// The idle modes' measuring window (default 5 s).
    pub idle: Duration,
    /// The `transactional.id` of `transactional-produce` (`--transactional-id`): fresh for each
    /// run; required there, refused elsewhere.
    pub transactional_id: Option<String>,
    /// Records per transaction of `transactional-produce` (`--transaction-records`); 0 elsewhere.
    pub transaction_records: u64,
}

impl Args {
    /// Parses `std::env::args()`.
    ///
    /// # Errors
    /// A message naming the missing, unknown or malformed argument.
    pub fn from_env() -> Result<Args, String> {
        Args::parse(std::env::args().skip(1))
    }

    /// Parses the arguments after the program name.
    ///
    /// # Errors
    /// A message naming the missing, unknown or malformed argument.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
        let mut args = args.into_iter();
        let mode = match args.next().as_deref() {
            Some("produce") => Mode::Produce,
            Some("consume") => Mode::Consume,
            Some("group-consume") => Mode::GroupConsume,
            Some("roundtrip") => Mode::Roundtrip,
            Some("transactional-produce") => Mode::TransactionalProduce,
            Some("idle-producer") => Mode::IdleProducer,
            Some("idle-consumer") => Mode::IdleConsumer,
            other => {
                return Err(format!(
                    "expected produce|consume|group-consume|roundtrip|transactional-produce|\
                     idle-producer|idle-consumer, got {other:?}"
                ));
            }
        };
        let mut parsed = Args {
            mode,
            bootstrap: String::new(),
            topic: String::new(),
            partitions: 1,
            count: 0,
            group: None,
            group_protocol: None,
            size: 100,
            acks: Acks::Leader,
            compression: "none".to_string(),
            idempotent: false,
            warmup: 0,
            linger: Duration::from_millis(5),
            properties: Vec::new(),
            idle: Duration::from_secs(5),
            transactional_id: None,
            transaction_records: 0,
        };
        while let Some(flag) = args.next() {
            if flag == "--idempotent" {
                parsed.idempotent = true;
                continue;
            }
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--bootstrap" => parsed.bootstrap = value,
                "--topic" => parsed.topic = value,
                "--group" => parsed.group = Some(value),
                "--group-protocol" => {
                    if !matches!(value.as_str(), "classic" | "consumer") {
                        return Err(format!(
                            "--group-protocol takes classic or consumer, not {value:?}"
                        ));
                    }
                    parsed.group_protocol = Some(value);
                }
                "--transactional-id" => parsed.transactional_id = Some(value),
                "--transaction-records" => parsed.transaction_records = number(&flag, &value)?,
                "--partitions" => parsed.partitions = number(&flag, &value)?,
                "--count" => parsed.count = number(&flag, &value)?,
                "--size" => parsed.size = number(&flag, &value)?,
                "--warmup" => parsed.warmup = number(&flag, &value)?,
                "--linger-ms" => parsed.linger = Duration::from_millis(number(&flag, &value)?),
                "--compression" => parsed.compression = value,
                "--idle-s" => parsed.idle = Duration::from_secs(number(&flag, &value)?),
                "--set" => {
                    let (key, property) = value
                        .split_once('=')
                        .filter(|(key, _)| !key.is_empty())
                        .ok_or_else(|| format!("--set takes KEY=VALUE, not {value:?}"))?;
                    parsed
                        .properties
                        .push((key.to_string(), property.to_string()));
                }
                "--acks" => {
                    parsed.acks = match value.as_str() {
                        "0" => Acks::None,
                        "1" => Acks::Leader,
                        "all" | "-1" => Acks::All,
                        _ => return Err(format!("--acks takes 0, 1 or all, not {value:?}")),
                    }
                }
                _ => return Err(format!("unknown argument {flag:?}")),
            }
        }
        if parsed.bootstrap.is_empty() || parsed.topic.is_empty() {
            return Err("--bootstrap and --topic are required".to_string());
        }
        if parsed.count == 0 && !mode.is_idle() {
            return Err(format!("{} needs a non-zero --count", mode.as_str()));
        }
        if parsed.idle.is_zero() {
            return Err("--idle-s must be at least 1".to_string());
        }
        match (mode, &parsed.group) {
            (Mode::GroupConsume, None) => {
                return Err("group-consume needs --group: the consumer group to join".to_string());
            }
            (Mode::GroupConsume, Some(group)) if group.is_empty() => {
                return Err("--group must not be empty".to_string());
            }
            (Mode::GroupConsume, Some(_)) | (_, None) => {}
            (_, Some(_)) => {
                return Err(format!(
                    "--group is for group-consume only, not {}",
                    mode.as_str()
                ));
            }
        }
        if parsed.group_protocol.is_some() && mode != Mode::GroupConsume {
            return Err(format!(
                "--group-protocol is for group-consume only, not {}",
                mode.as_str()
            ));
        }
        if parsed.partitions < 1 {
            return Err("--partitions must be at least 1".to_string());
        }
        parsed.check_transactions()?;
        Ok(parsed)
    }

    /// The transactional options: all of them in `transactional-produce`, none elsewhere.
    fn check_transactions(&self) -> Result<(), String> {
        let given = self.transactional_id.is_some() || self.transaction_records > 0;
        if self.mode != Mode::TransactionalProduce {
            if given {
                return Err(format!(
                    "--transactional-id and --transaction-records are for transactional-produce \
                     only, not {}",
                    self.mode.as_str()
                ));
            }
            return Ok(());
        }
        if self.transactional_id.as_deref().is_none_or(str::is_empty) {
            return Err("transactional-produce needs a non-empty --transactional-id".to_string());
        }
        let per = self.transaction_records;
        if per == 0 {
            return Err("transactional-produce needs a non-zero --transaction-records".to_string());
        }
        if !self.count.is_multiple_of(per) || !self.warmup.is_multiple_of(per) {
            return Err(format!(
                "--count {} and --warmup {} must be whole transactions of {per} records",
                self.count, self.warmup
            ));
        }
        if !self.idempotent || self.acks != Acks::All {
            return Err(
                "transactional-produce needs --idempotent and --acks all: a transactional \
                 producer is idempotent"
                    .to_string(),
            );
        }
        Ok(())
    }
}

impl Args {
    /// The group `group-consume` joins.
    ///
    /// # Errors
    /// When no `--group` was given (parsing refuses that for `group-consume`).
    pub fn group(&self) -> Result<&str, String> {
        self.group
            .as_deref()
            .ok_or_else(|| format!("{} needs --group", self.mode.as_str()))
    }

    /// The `group.protocol` of `group-consume`: `classic` unless `--group-protocol` said
    /// otherwise.
    pub fn group_protocol(&self) -> &str {
        self.group_protocol.as_deref().unwrap_or("classic")
    }

    /// The `transactional.id` `transactional-produce` uses.
    ///
    /// # Errors
    /// When no `--transactional-id` was given (parsing refuses that for `transactional-produce`).
    pub fn transactional_id(&self) -> Result<&str, String> {
        self.transactional_id
            .as_deref()
            .ok_or_else(|| format!("{} needs --transactional-id", self.mode.as_str()))
    }

    /// Fails when properties were given with `--set`: for a program that runs every scenario as
    /// given and has no tuned row, so a property is never accepted and ignored.
    ///
    /// # Errors
    /// A message naming the properties.
    pub fn refuse_properties(&self, client: &str) -> Result<(), String> {
        if self.properties.is_empty() {
            return Ok(());
        }
        let given: Vec<String> = self
            .properties
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        Err(format!(
            "{client} takes no --set properties, given {}",
            given.join(" ")
        ))
    }
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag} takes a number, not {value:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Args, String> {
        Args::parse(line.split_whitespace().map(str::to_string))
    }

    #[test]
    fn reads_every_option() {
        let args = parse(
            "produce --bootstrap 127.0.0.1:9092 --topic t --partitions 6 --count 10 --size 1024 \
             --acks all --compression zstd --idempotent --warmup 5 --linger-ms 0 \
             --set fetch.queue.backoff.ms=0 --set a=b=c",
        )
        .unwrap();
        assert_eq!(args.mode, Mode::Produce);
        assert_eq!(
            (args.partitions, args.count, args.size, args.warmup),
            (6, 10, 1024, 5)
        );
        assert_eq!(args.acks, Acks::All);
        assert_eq!(args.compression, "zstd");
        assert!(args.idempotent);
        assert_eq!(args.linger, Duration::ZERO);
        assert_eq!(
            args.properties,
            [
                ("fetch.queue.backoff.ms".to_string(), "0".to_string()),
                ("a".to_string(), "b=c".to_string())
            ]
        );
        assert!(args.refuse_properties("x").is_err());
    }

    #[test]
    fn idle_modes_need_no_count() {
        let args = parse("idle-consumer --bootstrap h:1 --topic t --idle-s 3").unwrap();
        assert_eq!(args.mode, Mode::IdleConsumer);
        assert_eq!(args.idle, Duration::from_secs(3));
        assert_eq!(args.refuse_properties("x"), Ok(()));
        assert!(parse("idle-producer --bootstrap h:1 --topic t --idle-s 0").is_err());
        assert!(parse("produce --bootstrap h:1 --topic t").is_err());
        assert!(parse("produce --bootstrap h:1 --topic t --count 1 --set =1").is_err());
        assert!(parse("produce --bootstrap h:1 --topic t --count 1 --set a").is_err());
    }

    #[test]
    fn defaults_and_errors() {
        let args = parse("consume --bootstrap h:1 --topic t --count 3").unwrap();
        assert_eq!(
            (args.partitions, args.size, args.acks),
            (1, 100, Acks::Leader)
        );
        assert!(parse("fetch --bootstrap h:1 --topic t --count 3").is_err());
        assert!(parse("consume --bootstrap h:1 --topic t").is_err());
        assert!(parse("consume --bootstrap h:1 --topic t --count x").is_err());
        assert!(parse("consume --bootstrap h:1 --topic t --count 1 --acks 2").is_err());
        assert!(parse("consume --bootstrap h:1 --topic t --count 1 --size").is_err());
    }

    #[test]
    fn transactional_produce_takes_whole_transactions() {
        let base = "transactional-produce --bootstrap h:1 --topic t --partitions 6 --acks all \
                    --idempotent --transactional-id t-1";
        let args = parse(&format!(
            "{base} --count 3000 --warmup 1000 --transaction-records 1000"
        ))
        .unwrap();
        assert_eq!(args.mode, Mode::TransactionalProduce);
        assert_eq!(args.mode.as_str(), "transactional-produce");
        assert_eq!(args.transactional_id.as_deref(), Some("t-1"));
        assert_eq!(args.transaction_records, 1000);
        assert!(
            parse(&format!(
                "{base} --count 3000 --warmup 500 --transaction-records 1000"
            ))
            .is_err()
        );
        assert!(parse(&format!("{base} --count 2500 --transaction-records 1000")).is_err());
        assert!(parse(&format!("{base} --count 3000")).is_err());
        let no_id = base.replace("--transactional-id t-1", "");
        assert!(parse(&format!("{no_id} --count 1000 --transaction-records 1000")).is_err());
        let leader = base.replace("--acks all", "--acks 1");
        assert!(parse(&format!("{leader} --count 1000 --transaction-records 1000")).is_err());
        assert!(
            parse("produce --bootstrap h:1 --topic t --count 1 --transaction-records 1").is_err()
        );
        assert!(parse("produce --bootstrap h:1 --topic t --count 1 --transactional-id x").is_err());
    }

    #[test]
    fn the_group_protocol_is_classic_or_consumer_and_only_for_group_consume() {
        let base = "group-consume --bootstrap h:1 --topic t --count 3 --group g-1";
        assert_eq!(parse(base).unwrap().group_protocol(), "classic");
        let kip848 = parse(&format!("{base} --group-protocol consumer")).unwrap();
        assert_eq!(kip848.group_protocol(), "consumer");
        assert!(parse(&format!("{base} --group-protocol share")).is_err());
        assert!(
            parse("consume --bootstrap h:1 --topic t --count 3 --group-protocol consumer").is_err()
        );
    }

    #[test]
    fn group_consume_needs_a_group_and_only_it_takes_one() {
        let args = parse("group-consume --bootstrap h:1 --topic t --count 3 --group g-1").unwrap();
        assert_eq!(args.mode, Mode::GroupConsume);
        assert_eq!(args.mode.as_str(), "group-consume");
        assert_eq!(args.group.as_deref(), Some("g-1"));
        assert!(parse("group-consume --bootstrap h:1 --topic t --count 3").is_err());
        assert!(parse("group-consume --bootstrap h:1 --topic t --count 3 --group").is_err());
        let empty = [
            "group-consume",
            "--bootstrap",
            "h:1",
            "--topic",
            "t",
            "--count",
            "3",
        ];
        let empty = empty.into_iter().chain(["--group", ""]).map(str::to_string);
        assert!(Args::parse(empty).is_err());
        assert!(parse("consume --bootstrap h:1 --topic t --count 3 --group g").is_err());
        assert!(parse("produce --bootstrap h:1 --topic t --count 3 --group g").is_err());
    }
}
