//! The soak's faults on `cluster3`: through the fault proxies (cuts, stalls, black holes, a
//! one-way partition, a corrupted or truncated frame) and on the brokers (SIGKILL and restart,
//! SIGSTOP and SIGCONT, a leader moved by partition reassignment), and the schedule that injects
//! one every 10-20 s.
//!
//! Contract: [`inject`] returns once the fault is over and the cluster is whole again (a killed
//! node restarted and answering, a paused one resumed, the proxy healed); what happened goes in
//! the [`FaultEvent`], and a fault that could not be done says why there instead of failing the
//! run. Broker faults go through the launcher, which signals nodes by their recorded PIDs.

use std::thread::sleep;
use std::time::{Duration, Instant};

use franzl_core::ErrorCode;
use franzl_core::messages::Array;
use franzl_core::messages::alter_partition_reassignments::{
    AlterPartitionReassignmentsRequest, ReassignablePartition, ReassignableTopic,
};
use franzl_core::messages::elect_leaders::{ElectLeadersRequest, TopicPartitions};
use franzl_core::messages::metadata::{MetadataRequest, MetadataRequestTopic};
use xtask::broker::{self, Broker, Profile};

use crate::fault_proxy::Direction;
use crate::fault_proxy::cluster::ClusterProxies;
use crate::raw_client::RawClient;

/// The kinds of fault, in the order the schedule cycles through them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Every connection through one node's proxy closed.
    ProxyCut,
    /// One node killed with SIGKILL, restarted a few seconds later.
    Kill,
    /// The leader of one partition moved to another replica (reassignment, then a preferred
    /// leader election).
    LeaderMove,
    /// One node paused with SIGSTOP for a few seconds (past its session timeout at times).
    Pause,
    /// One node's proxy stops reading both ways for a few seconds.
    ProxyStall,
    /// One node's proxy accepts and never answers for a few seconds.
    ProxyBlackHole,
    /// The last byte of the next response from one node inverted (a response that no longer
    /// decodes; a byte inverted elsewhere may change a field no checksum covers, such as a
    /// Produce response's base offset, which no client can notice).
    ProxyCorrupt,
    /// The next response from one node cut short, its connection closed.
    ProxyTruncate,
    /// One node's responses dropped (requests still arrive) for a few seconds.
    ProxyOneWay,
}

impl FaultKind {
    /// The cycle of the schedule: a broker fault after each proxy fault.
    pub const CYCLE: [FaultKind; 9] = [
        FaultKind::ProxyCut,
        FaultKind::Kill,
        FaultKind::ProxyStall,
        FaultKind::LeaderMove,
        FaultKind::ProxyCorrupt,
        FaultKind::Pause,
        FaultKind::ProxyBlackHole,
        FaultKind::ProxyTruncate,
        FaultKind::ProxyOneWay,
    ];

    /// The kind called `name` (as in the report).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::CYCLE.into_iter().find(|kind| kind.name() == name)
    }

    /// The name in the report.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::ProxyCut => "proxy-cut",
            FaultKind::Kill => "kill-9",
            FaultKind::LeaderMove => "leader-move",
            FaultKind::Pause => "sigstop",
            FaultKind::ProxyStall => "proxy-stall",
            FaultKind::ProxyBlackHole => "proxy-black-hole",
            FaultKind::ProxyCorrupt => "proxy-corrupt",
            FaultKind::ProxyTruncate => "proxy-truncate",
            FaultKind::ProxyOneWay => "proxy-drop-responses",
        }
    }
}

/// One fault of the timeline.
#[derive(Clone, Debug)]
pub struct FaultEvent {
    /// When it began, from the start of the run.
    pub at: Duration,
    /// What it was.
    pub kind: FaultKind,
    /// The node it hit.
    pub node: u32,
    /// What was done and seen, or why it could not be done.
    pub detail: String,
    /// How long until the cluster was whole again.
    pub lasted: Duration,
}

/// A small deterministic generator (xorshift64*), so a run can be repeated from its seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced by a fixed odd number).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low + 1)
    }
}

/// What a fault acts on.
pub struct Target<'a> {
    /// The cluster (its node addresses; PIDs are looked up by the launcher).
    pub broker: &'a Broker,
    /// The proxies in front of its nodes.
    pub proxies: &'a ClusterProxies,
    /// The soak's topic and its partition count, for leader moves.
    pub topic: &'a str,
    /// Its partitions.
    pub partitions: i32,
}

/// Injects `kind` on a node chosen by `rng`, waits until it is over, and says what happened.
pub fn inject(kind: FaultKind, target: &Target<'_>, rng: &mut Rng, start: Instant) -> FaultEvent {
    let began = Instant::now();
    let node_count = target.broker.nodes.len() as u64;
    let mut node = u32::try_from(rng.between(1, node_count)).unwrap_or(1);
    let hold = Duration::from_millis(rng.between(3_000, 7_000));
    let proxy = target.proxies.node(node);
    let detail = match kind {
        FaultKind::ProxyCut => format!("{} connections closed", proxy.cut()),
        FaultKind::ProxyStall => {
            for direction in Direction::BOTH {
                proxy.stall(direction);
            }
            sleep(hold);
            proxy.heal();
            format!("stalled both ways for {hold:?}")
        }
        FaultKind::ProxyBlackHole => {
            proxy.black_hole();
            sleep(hold);
            proxy.heal();
            format!("black hole for {hold:?}")
        }
        FaultKind::ProxyOneWay => {
            proxy.drop_one_way(Direction::ToClient);
            sleep(hold);
            proxy.heal();
            format!("responses dropped for {hold:?}")
        }
        FaultKind::ProxyCorrupt | FaultKind::ProxyTruncate => {
            let before = proxy.stats();
            if kind == FaultKind::ProxyCorrupt {
                proxy.corrupt_end_of_next_frame(Direction::ToClient);
            } else {
                proxy.truncate_next_frame(Direction::ToClient);
            }
            sleep(Duration::from_secs(2));
            let after = proxy.stats();
            proxy.heal();
            let done =
                after.corrupted[1] + after.truncated[1] - before.corrupted[1] - before.truncated[1];
            format!("{done} response frame(s) damaged")
        }
        FaultKind::Kill => kill_and_restart(node, hold),
        FaultKind::Pause => pause_and_resume(node, hold),
        FaultKind::LeaderMove => {
            let partition =
                i32::try_from(rng.between(0, target.partitions as u64 - 1)).unwrap_or_default();
            match move_leader(target, partition) {
                Ok((from, to)) => {
                    node = to;
                    format!("partition {partition}: leader {from} -> {to}")
                }
                Err(why) => format!("partition {partition}: not moved ({why})"),
            }
        }
    };
    FaultEvent {
        at: began.duration_since(start),
        kind,
        node,
        detail,
        lasted: began.elapsed(),
    }
}

fn kill_and_restart(node: u32, down_for: Duration) -> String {
    let pid = match broker::kill_node(Profile::Cluster3, node) {
        Ok(pid) => pid,
        Err(error) => return format!("not killed: {error}"),
    };
    sleep(down_for);
    let restarted = Instant::now();
    match broker::restart_node(Profile::Cluster3, node) {
        Ok(_) => format!(
            "pid {pid} killed, down {down_for:?}, back after {:?}",
            restarted.elapsed()
        ),
        Err(error) => format!("pid {pid} killed; RESTART FAILED: {error}"),
    }
}

fn pause_and_resume(node: u32, paused_for: Duration) -> String {
    let pid = match broker::pause_node(Profile::Cluster3, node) {
        Ok(pid) => pid,
        Err(error) => return format!("not paused: {error}"),
    };
    sleep(paused_for);
    match broker::resume_node(Profile::Cluster3, node) {
        Ok(_) => format!("pid {pid} paused for {paused_for:?}"),
        Err(error) => format!("pid {pid} paused; RESUME FAILED: {error}"),
    }
}

/// Moves the leadership of `partition` to another in-sync replica: reassigns it with that
/// replica first, then asks for a preferred leader election. Returns `(old, new)` leader.
fn move_leader(target: &Target<'_>, partition: i32) -> Result<(u32, u32), String> {
    let mut client = connect_any(target.broker)?;
    let (leader, replicas, isr) = partition_state(&mut client, target.topic, partition)?;
    let new_leader = isr
        .iter()
        .copied()
        .find(|&replica| replica != leader)
        .ok_or_else(|| format!("no other in-sync replica (isr {isr:?})"))?;
    let order: Vec<i32> = std::iter::once(new_leader)
        .chain(replicas.iter().copied().filter(|&r| r != new_leader))
        .filter_map(|r| i32::try_from(r).ok())
        .collect();
    let partitions = [ReassignablePartition {
        partition_index: partition,
        replicas: Some(Array::from_slice(&order)),
        ..Default::default()
    }];
    let topics = [ReassignableTopic {
        name: target.topic,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let request = AlterPartitionReassignmentsRequest {
        timeout_ms: 10_000,
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    let reply = client
        .call_latest(&request)
        .map_err(|e| format!("AlterPartitionReassignments: {e}"))?;
    let body = reply.body();
    let code = body.error_code;
    if code != ErrorCode::NONE {
        return Err(format!("AlterPartitionReassignments: {code}"));
    }
    for topic in body.responses.iter() {
        for result in topic.partitions.iter() {
            let code = result.error_code;
            if code != ErrorCode::NONE {
                return Err(format!("reassigning: {code}"));
            }
        }
    }
    let ids = [partition];
    let elect = [TopicPartitions {
        topic: target.topic,
        partitions: Array::from_slice(&ids),
        ..Default::default()
    }];
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let request = ElectLeadersRequest {
            election_type: 0,
            topic_partitions: Some(Array::from_slice(&elect)),
            timeout_ms: 5_000,
            ..Default::default()
        };
        let _ = client.call_latest(&request);
        let (now, _, _) = partition_state(&mut client, target.topic, partition)?;
        if now == new_leader {
            return Ok((leader, new_leader));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "leader still {now} after reassignment to {order:?}"
            ));
        }
        sleep(Duration::from_millis(250));
    }
}

/// A raw client on the first node that answers (directly, not through a proxy).
fn connect_any(broker: &Broker) -> Result<RawClient, String> {
    let mut errors = Vec::new();
    for node in &broker.nodes {
        match RawClient::connect(&node.address.to_string()) {
            Ok(client) => return Ok(client),
            Err(error) => errors.push(format!("node {}: {error}", node.id)),
        }
    }
    Err(errors.join("; "))
}

/// The leader, replicas and in-sync replicas of `topic`/`partition`.
fn partition_state(
    client: &mut RawClient,
    topic: &str,
    partition: i32,
) -> Result<(u32, Vec<u32>, Vec<u32>), String> {
    let topics = [MetadataRequestTopic {
        name: Some(topic),
        ..Default::default()
    }];
    let request = MetadataRequest {
        topics: Some(Array::from_slice(&topics)),
        ..Default::default()
    };
    let reply = client
        .call_latest(&request)
        .map_err(|e| format!("Metadata: {e}"))?;
    let body = reply.body();
    let ids = |list: Array<'_, i32>| -> Vec<u32> {
        list.iter()
            .filter_map(|id| u32::try_from(id).ok())
            .collect()
    };
    body.topics
        .iter()
        .filter(|t| t.name == Some(topic))
        .flat_map(|t| t.partitions.iter())
        .find(|p| p.partition_index == partition)
        .and_then(|p| {
            let leader = u32::try_from(p.leader_id).ok()?;
            Some((leader, ids(p.replica_nodes), ids(p.isr_nodes)))
        })
        .ok_or_else(|| format!("{topic}/{partition} has no leader in metadata"))
}
