//! The soak's exactly-once stage: `transactional-copy` processes (the example) in one group,
//! copying the soak topic to `<topic>-copy` through the fault proxies, each transaction
//! committing its input offsets, one in ten aborted on purpose. At every fault one copier is
//! killed (SIGKILL: its open transaction is left for its successor, started at once with the
//! same transactional id, to abort when it fences it). A copier that ends by itself is
//! counted, its last words kept, and restarted the same way.
//!
//! When production is over, a `read_committed` reader (straight to the cluster, no proxy)
//! reads the copy until every acknowledged record is there (or the drain time runs out); the
//! copiers are stopped with SIGTERM (between transactions) and the reader goes on to the end
//! offsets. What it finds ([`CopyFindings`]): every acknowledged record exactly once in the
//! copy, none lost, none twice, and nothing that was never sent.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use franzl::config::IsolationLevel;

use super::faults::Rng;
use super::history::{Read, WriteId};
use super::run::consume;
use crate::processes::Process;
use crate::transactions::copier_command;

/// How long a copier stopped with SIGTERM may take to end its transaction.
const STOP_TIMEOUT: Duration = Duration::from_secs(60);

/// Lines of a copier that ended by itself kept for the report.
const LAST_WORDS: usize = 5;

/// What the copy holds, and what that says.
#[derive(Clone, Debug, Default)]
pub struct CopyFindings {
    /// Copiers at any time.
    pub members: u32,
    /// Copiers killed with SIGKILL during the run.
    pub killed: u32,
    /// Copiers that ended by themselves (and were restarted), with their last lines.
    pub exits: Vec<String>,
    /// Committed records read from the copy.
    pub read: u64,
    /// Acknowledged records not in the copy.
    pub lost: u64,
    /// Records in the copy more than once (each extra copy counts one).
    pub duplicates: u64,
    /// Records in the copy that no producer sent (or that are no soak value at all).
    pub phantom: u64,
    /// A few of the lost, duplicated or phantom ones.
    pub examples: Vec<String>,
    /// Whether every acknowledged record was in the copy before the drain time ran out, and
    /// the reader reached the end offsets.
    pub drained: bool,
}

impl CopyFindings {
    /// Every acknowledged record exactly once, nothing else, and the copy drained.
    pub fn is_clean(&self) -> bool {
        self.lost == 0 && self.duplicates == 0 && self.phantom == 0 && self.drained
    }

    /// One paragraph for the report.
    pub fn markdown(&self) -> String {
        let mut text = format!(
            "## Transactional copy (exactly once)\n\n{} `transactional-copy` members, {} killed \
             with SIGKILL and replaced, {} ended by themselves: {} committed records in the \
             copy, {} acknowledged records lost, {} duplicated, {} phantom{}; drained: {}.\n",
            self.members,
            self.killed,
            self.exits.len(),
            self.read,
            self.lost,
            self.duplicates,
            self.phantom,
            if self.examples.is_empty() {
                String::new()
            } else {
                format!(" (such as {})", self.examples.join(", "))
            },
            self.drained
        );
        for exit in &self.exits {
            text.push_str(&format!("\n- {exit}"));
        }
        text
    }
}

/// The running copiers.
#[derive(Debug)]
pub struct SoakCopy {
    bootstrap: String,
    from: String,
    to: String,
    partitions: i32,
    group: String,
    /// The transactional id of each slot; a restarted copier keeps its slot's.
    ids: Vec<String>,
    members: Vec<Process>,
    gone: Vec<Process>,
    killed: u32,
    exits: Vec<String>,
}

impl SoakCopy {
    /// Creates `<from>-copy` (as many partitions, three replicas) on `broker` and starts
    /// `size` copiers reading `from` through `bootstrap`.
    pub fn start(
        broker: &xtask::broker::Broker,
        bootstrap: &str,
        from: &str,
        partitions: i32,
        size: u32,
    ) -> Self {
        let to = format!("{from}-copy");
        crate::producer::create_topic(broker, &to, partitions, 3);
        let mut copy = Self {
            bootstrap: bootstrap.to_owned(),
            from: from.to_owned(),
            to,
            partitions,
            group: format!("{from}-copiers"),
            ids: (0..size)
                .map(|slot| format!("{from}-copier-{slot}"))
                .collect(),
            members: Vec::new(),
            gone: Vec::new(),
            killed: 0,
            exits: Vec::new(),
        };
        copy.members = (0..copy.ids.len()).map(|slot| copy.spawn(slot)).collect();
        copy
    }

    fn spawn(&self, slot: usize) -> Process {
        let mut command = copier_command(
            &self.bootstrap,
            &self.group,
            (&self.from, &self.to),
            &self.ids[slot],
            &format!("soak-copier-{slot}"),
            1000,
        );
        Process::start(&format!("copier-{slot}"), &mut command)
    }

    /// Kills one copier (chosen by `rng`) with SIGKILL and starts its successor; returns which.
    pub fn kill_one(&mut self, rng: &mut Rng) -> String {
        self.restart_ended();
        if self.members.is_empty() {
            return "no copier to kill".into();
        }
        let slot = usize::try_from(rng.next_u64() % self.members.len() as u64).unwrap_or(0);
        let pid = self.members[slot].pid();
        self.members[slot].kill();
        let successor = self.spawn(slot);
        self.gone
            .push(std::mem::replace(&mut self.members[slot], successor));
        self.killed += 1;
        format!("copier pid {pid} killed (SIGKILL) and replaced")
    }

    /// Restarts every copier that ended by itself, noting how it ended.
    fn restart_ended(&mut self) {
        for slot in 0..self.members.len() {
            if self.members[slot].running() {
                continue;
            }
            let pid = self.members[slot].pid();
            let status = self.members[slot].wait(Duration::from_secs(1));
            let stderr = self.members[slot].stderr();
            let tail = stderr[stderr.len().saturating_sub(LAST_WORDS)..].join(" | ");
            let exit = format!("copier pid {pid} ended with {status}: {tail}");
            eprintln!("soak: {exit}");
            self.exits.push(exit);
            let successor = self.spawn(slot);
            self.gone
                .push(std::mem::replace(&mut self.members[slot], successor));
        }
    }

    /// Reads the copy (`read_committed`, through `direct`) until every record of `acked` is
    /// there or `drain` has passed, stops the copiers, reads on to the end offsets and checks
    /// the copy against `sent` and `acked`.
    pub fn finish(
        mut self,
        direct: &str,
        sent: &HashSet<WriteId>,
        acked: &HashSet<WriteId>,
        drain: Duration,
    ) -> CopyFindings {
        let reads = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let reader = {
            let (direct, to, partitions) = (direct.to_owned(), self.to.clone(), self.partitions);
            let (reads, stop) = (Arc::clone(&reads), Arc::clone(&stop));
            thread::spawn(move || {
                consume(
                    &direct,
                    &to,
                    partitions,
                    IsolationLevel::ReadCommitted,
                    &stop,
                    &reads,
                )
            })
        };
        let deadline = Instant::now() + drain;
        let mut seen: HashSet<WriteId> = HashSet::new();
        let mut counted = 0;
        let complete = loop {
            {
                let reads = reads.lock().unwrap_or_else(PoisonError::into_inner);
                seen.extend(reads[counted..].iter().filter_map(copied_id));
                counted = reads.len();
            }
            if acked.iter().all(|id| seen.contains(id)) {
                break true;
            }
            if Instant::now() >= deadline {
                break false;
            }
            self.restart_ended();
            thread::sleep(Duration::from_secs(1));
        };
        self.restart_ended();
        for mut member in std::mem::take(&mut self.members) {
            let status = member.terminate(STOP_TIMEOUT);
            if !status.success() {
                let exit = format!(
                    "copier pid {} stopped with {status}: {}",
                    member.pid(),
                    member.stderr().join(" | ")
                );
                eprintln!("soak: {exit}");
                self.exits.push(exit);
            }
            self.gone.push(member);
        }
        stop.store(true, Ordering::Release);
        let reached_end = reader.join().unwrap_or(false);
        let reads = std::mem::take(&mut *reads.lock().unwrap_or_else(PoisonError::into_inner));
        let mut findings = check_copy(&reads, sent, acked);
        findings.members = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        findings.killed = self.killed;
        findings.exits = self.exits;
        findings.drained = complete && reached_end;
        findings
    }
}

/// The soak value a copy names: the copier upper-cases `p<producer>-<n>`.
fn copied_id(read: &Read) -> Option<WriteId> {
    match &read.value {
        Ok(id) => Some(*id),
        Err(text) => WriteId::parse(text.to_ascii_lowercase().as_bytes()),
    }
}

/// Counts the copy's records: lost (acknowledged, not there), duplicated, and phantom (not
/// sent, or no soak value).
fn check_copy(reads: &[Read], sent: &HashSet<WriteId>, acked: &HashSet<WriteId>) -> CopyFindings {
    let mut copies: HashMap<WriteId, u64> = HashMap::new();
    let mut findings = CopyFindings {
        read: reads.len() as u64,
        ..CopyFindings::default()
    };
    for read in reads {
        match copied_id(read) {
            Some(id) if sent.contains(&id) => *copies.entry(id).or_default() += 1,
            _ => {
                findings.phantom += 1;
                if findings.examples.len() < 10 {
                    findings.examples.push(format!(
                        "phantom {:?} at {}/{}",
                        read.value, read.partition, read.offset
                    ));
                }
            }
        }
    }
    for (id, count) in &copies {
        if *count > 1 {
            findings.duplicates += count - 1;
            if findings.examples.len() < 10 {
                findings.examples.push(format!("{id} copied {count} times"));
            }
        }
    }
    for id in acked.iter().filter(|id| !copies.contains_key(id)) {
        findings.lost += 1;
        if findings.examples.len() < 10 {
            findings.examples.push(format!("{id} lost"));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(offset: i64, value: &str) -> Read {
        Read {
            partition: 0,
            offset,
            value: WriteId::parse(value.as_bytes()).ok_or_else(|| value.to_owned()),
        }
    }

    fn id(sequence: u64) -> WriteId {
        WriteId {
            producer: 0,
            sequence,
        }
    }

    #[test]
    fn an_exact_copy_is_clean_and_a_loss_a_second_copy_and_a_stranger_are_each_counted() {
        let sent: HashSet<WriteId> = (0..4).map(id).collect();
        let acked: HashSet<WriteId> = (0..3).map(id).collect();
        // Upper-cased as the copier writes them; p0-3 was sent, not acknowledged, and copied.
        let exact = [
            read(0, "P0-0"),
            read(1, "P0-1"),
            read(2, "P0-2"),
            read(3, "P0-3"),
        ];
        let findings = check_copy(&exact, &sent, &acked);
        assert_eq!(
            (findings.lost, findings.duplicates, findings.phantom),
            (0, 0, 0)
        );

        let faulty = [
            read(0, "P0-0"),
            read(1, "P0-0"),
            read(2, "P9-9"),
            read(3, "x"),
        ];
        let findings = check_copy(&faulty, &sent, &acked);
        assert_eq!(
            (findings.lost, findings.duplicates, findings.phantom),
            (2, 1, 2),
            "{:?}",
            findings.examples
        );
    }
}
