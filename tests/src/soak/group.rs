//! The soak's consumer groups: members that are separate `group-consume` processes (the example,
//! so a member can be killed as a crashed program is: SIGKILL, no commit, no LeaveGroup), all
//! through the fault proxies, with auto commit every second; one group of each protocol
//! ([`Protocol`]: classic, and KIP-848's `consumer`). At every fault one member of each group is
//! killed and a new one started in its place; when production is over, each group reads until
//! every acknowledged record has come (or the drain time runs out), then each member is
//! stopped with SIGTERM (which commits and leaves).
//!
//! A killed member's partitions move when its session times out: 6 s for both protocols (the
//! classic members ask for it; the KIP-848 group is given `consumer.session.timeout.ms` as a
//! group config before it forms, within the broker's lowered minimum, see the launcher).
//!
//! What it finds ([`GroupFindings`]): acknowledged records no member returned (lost: a failure),
//! and records returned more than once (duplicates: expected only from a killed member's
//! uncommitted tail, so counted and reported, not failed).

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::time::{Duration, Instant};

use super::faults::Rng;
use super::history::WriteId;
use crate::processes::{Process, example};

/// How long a member stopped with SIGTERM may take to commit and leave.
const STOP_TIMEOUT: Duration = Duration::from_secs(60);

/// The group protocol a soak group's members speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// JoinGroup / SyncGroup / Heartbeat, with the client's assignor.
    Classic,
    /// KIP-848's ConsumerGroupHeartbeat, the broker assigning (`group.protocol=consumer`).
    Consumer,
}

impl Protocol {
    /// The value of `group.protocol`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Classic => "classic",
            Self::Consumer => "consumer",
        }
    }

    /// The member settings beside the bootstrap, group and topic.
    fn properties(self) -> &'static [&'static str] {
        match self {
            Self::Classic => &[
                "auto.offset.reset=earliest",
                "session.timeout.ms=6000",
                "heartbeat.interval.ms=1000",
                "auto.commit.interval.ms=1000",
            ],
            // The session and heartbeat are the group's config, set by the broker.
            Self::Consumer => &[
                "group.protocol=consumer",
                "auto.offset.reset=earliest",
                "auto.commit.interval.ms=1000",
            ],
        }
    }
}

/// What the group's members read, and what that says.
#[derive(Clone, Debug, Default)]
pub struct GroupFindings {
    /// The group's protocol.
    pub protocol: Option<Protocol>,
    /// Members at any time.
    pub members: u32,
    /// Members killed with SIGKILL during the run.
    pub killed: u32,
    /// Records returned, duplicates included.
    pub read: u64,
    /// Distinct records returned.
    pub distinct: u64,
    /// Acknowledged records no member returned.
    pub lost: u64,
    /// A few of them.
    pub lost_examples: Vec<String>,
    /// Records returned more than once (each extra return counts one).
    pub duplicates: u64,
    /// Whether every acknowledged record came before the drain time ran out.
    pub drained: bool,
}

impl GroupFindings {
    /// No acknowledged record lost, and the group drained.
    pub fn is_clean(&self) -> bool {
        self.lost == 0 && self.drained
    }

    /// One paragraph for the report.
    pub fn markdown(&self) -> String {
        format!(
            "## Consumer group, `group.protocol={}`\n\n{} members (`group-consume` processes), \
             {} killed with SIGKILL and replaced: {} records returned, {} distinct, {} \
             duplicates (a killed member's uncommitted tail), {} acknowledged records lost{}; \
             drained: {}.\n",
            self.protocol.map_or("classic", Protocol::name),
            self.members,
            self.killed,
            self.read,
            self.distinct,
            self.duplicates,
            self.lost,
            if self.lost_examples.is_empty() {
                String::new()
            } else {
                format!(" (such as {})", self.lost_examples.join(", "))
            },
            self.drained
        )
    }
}

/// The running group.
#[derive(Debug)]
pub struct SoakGroup {
    bootstrap: String,
    topic: String,
    group: String,
    protocol: Protocol,
    members: Vec<Process>,
    /// Members stopped or killed, kept for what they printed.
    gone: Vec<Process>,
    /// Lines of each process (by PID) already counted.
    parsed: HashMap<u32, usize>,
    killed: u32,
    size: u32,
}

impl SoakGroup {
    /// Starts `size` members of a new group of `protocol` reading `topic` through `bootstrap`;
    /// a KIP-848 group is first given its session timeout through `direct` (the cluster's own
    /// bootstrap).
    ///
    /// # Errors
    ///
    /// The group config cannot be set.
    pub fn start(
        bootstrap: &str,
        direct: &str,
        topic: &str,
        size: u32,
        protocol: Protocol,
    ) -> Result<Self, String> {
        let group = format!("{topic}-group-{}", protocol.name());
        if protocol == Protocol::Consumer {
            let run = crate::java_tools::run(
                "configs",
                &[
                    "--bootstrap-server",
                    direct,
                    "--entity-type",
                    "groups",
                    "--entity-name",
                    &group,
                    "--alter",
                    "--add-config",
                    "consumer.session.timeout.ms=6000,consumer.heartbeat.interval.ms=1000",
                ],
                None,
                "",
            );
            if !run.success {
                return Err(format!(
                    "setting the session timeout of group {group}: {} {}",
                    run.stdout, run.stderr
                ));
            }
        }
        let mut group = Self {
            bootstrap: bootstrap.to_owned(),
            topic: topic.to_owned(),
            group,
            protocol,
            members: Vec::new(),
            gone: Vec::new(),
            parsed: HashMap::new(),
            killed: 0,
            size,
        };
        for _ in 0..size {
            group.spawn();
        }
        Ok(group)
    }

    fn spawn(&mut self) {
        let mut command = Command::new(example("group-consume"));
        command.args(["--bootstrap", &self.bootstrap, "--group", &self.group]);
        command.args(["--topic", &self.topic]);
        for property in self.protocol.properties() {
            command.args(["--property", property]);
        }
        self.members
            .push(Process::start("group-consume", &mut command));
    }

    /// Kills one member (chosen by `rng`) with SIGKILL and starts another; returns which.
    pub fn kill_one(&mut self, rng: &mut Rng) -> String {
        if self.members.is_empty() {
            return "no member to kill".into();
        }
        let index = usize::try_from(rng.next_u64() % self.members.len() as u64).unwrap_or(0);
        let mut victim = self.members.swap_remove(index);
        let pid = victim.pid();
        victim.kill();
        self.gone.push(victim);
        self.killed += 1;
        self.spawn();
        format!(
            "{} group member pid {pid} killed (SIGKILL) and replaced",
            self.protocol.name()
        )
    }

    /// Reads until every record of `acked` has come or `drain` has passed, stops every member
    /// with SIGTERM, and checks what they returned.
    pub fn finish(mut self, acked: &HashSet<WriteId>, drain: Duration) -> GroupFindings {
        let deadline = Instant::now() + drain;
        let mut seen: HashMap<WriteId, u64> = HashMap::new();
        let drained = loop {
            self.collect(&mut seen);
            if acked.iter().all(|id| seen.contains_key(id)) {
                break true;
            }
            if Instant::now() >= deadline {
                break false;
            }
            std::thread::sleep(Duration::from_secs(1));
        };
        for mut member in std::mem::take(&mut self.members) {
            let status = member.terminate(STOP_TIMEOUT);
            if !status.success() {
                eprintln!(
                    "soak: group member pid {} ended with {status}: {}",
                    member.pid(),
                    member.stderr().join(" | ")
                );
            }
            self.gone.push(member);
        }
        self.collect(&mut seen);
        let lost: Vec<&WriteId> = acked.iter().filter(|id| !seen.contains_key(id)).collect();
        let read: u64 = seen.values().sum();
        GroupFindings {
            protocol: Some(self.protocol),
            members: self.size,
            killed: self.killed,
            read,
            distinct: seen.len() as u64,
            lost: lost.len() as u64,
            lost_examples: lost.iter().take(10).map(ToString::to_string).collect(),
            duplicates: read - seen.len() as u64,
            drained,
        }
    }

    /// Counts the values every process printed since the last call.
    fn collect(&mut self, seen: &mut HashMap<WriteId, u64>) {
        for process in self.members.iter().chain(&self.gone) {
            let pid = process.pid();
            let start = self.parsed.get(&pid).copied().unwrap_or(0);
            let lines = process.stdout_from(start);
            self.parsed.insert(pid, start + lines.len());
            for line in &lines {
                // partition, offset, key, value (tab-separated), as `consume` prints them.
                let value = line.rsplit('\t').next().unwrap_or_default();
                if let Some(id) = WriteId::parse(value.as_bytes()) {
                    *seen.entry(id).or_default() += 1;
                }
            }
        }
    }
}
