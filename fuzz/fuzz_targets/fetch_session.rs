//! Fuzzes the incremental fetch session's bookkeeping (KIP-227) against a model of the
//! broker's side of the session.
//!
//! Each round of the input picks the partitions the fetcher fetches (of two topics with three
//! partitions each, in an order of its own), moves their offsets and epochs (now and then a
//! topic is recreated under a new id), picks the Fetch version, and answers as a broker may:
//! granting or echoing a session id, answering with another or none, a top-level error, or no
//! answer. The target drives the session as the fetch task does (an error or no answer resets
//! it) and checks each Fetch against the broker model:
//! - below v7, every Fetch is full, without a session (id 0, epoch -1);
//! - a Fetch names each partition at most once and forgets none it fetches;
//! - a Fetch in a session carries the session's id and the epoch the broker expects (else the
//!   broker answers INVALID_FETCH_SESSION_EPOCH), and a full one asks for a new session;
//! - after a Fetch that the broker accepts, the partitions it fetches for the session are
//!   exactly those the fetcher wants, at the offset and epochs it wants them: partitions are
//!   keyed by topic id from v13 (by name before), as the broker keys them.
//!
//! The session's state stays bounded: it never holds more partitions than the last Fetch named.
#![no_main]

use std::collections::BTreeMap;
use std::sync::Arc;

use franzl::consumer::fuzzing::{FetchSessionProbe, SessionTarget};
use franzl_fuzz::cursor::Cursor;
use libfuzzer_sys::fuzz_target;

const TOPICS: [&str; 2] = ["a", "b"];
const PARTITIONS: i32 = 3;
const VERSIONS: [i16; 6] = [4, 7, 11, 12, 13, 16];
/// The first Fetch version that names topics by id.
const TOPIC_IDS: i16 = 13;

/// How the broker knows a partition: topic id or name, and partition.
type Key = (Result<[u8; 16], Arc<str>>, i32);
/// What the broker fetches for a partition: offset, leader epoch, last fetched epoch.
type Position = (i64, i32, Option<i32>);

fn key(target: &SessionTarget, version: i16) -> Key {
    let topic = if version >= TOPIC_IDS {
        Ok(target.topic_id)
    } else {
        Err(Arc::clone(&target.topic))
    };
    (topic, target.partition)
}

/// The broker's side of a session.
#[derive(Debug)]
struct BrokerSession {
    id: i32,
    next_epoch: i32,
    version: i16,
    partitions: BTreeMap<Key, Position>,
}

fn position(target: &SessionTarget) -> Position {
    (
        target.fetch_offset,
        target.leader_epoch,
        target.last_fetched_epoch,
    )
}

fuzz_target!(|data: &[u8]| {
    let mut input = Cursor::new(data);
    let mut wanted: Vec<SessionTarget> = TOPICS
        .iter()
        .flat_map(|topic| {
            (0..PARTITIONS).map(|partition| SessionTarget {
                topic: Arc::from(*topic),
                topic_id: [topic.as_bytes()[0]; 16],
                partition,
                fetch_offset: 0,
                leader_epoch: 0,
                last_fetched_epoch: None,
            })
        })
        .collect();
    let mut session = FetchSessionProbe::default();
    let mut broker: Option<BrokerSession> = None;
    let mut version = VERSIONS[0];
    let mut rounds = 0;
    while !input.is_empty() && rounds < 64 {
        rounds += 1;
        // The fetcher's round: which partitions, in which order, after which moves.
        let (chosen, rotate, moves) = (input.byte(), input.byte(), input.byte());
        for (index, target) in wanted.iter_mut().enumerate() {
            if moves >> (index % 8) & 1 == 1 {
                match moves >> 6 {
                    0 => target.fetch_offset += 1 + i64::from(input.byte() % 4),
                    1 => target.leader_epoch += 1,
                    2 => target.last_fetched_epoch = Some(i32::from(input.byte() % 4)),
                    _ => target.topic_id[15] = target.topic_id[15].wrapping_add(1),
                }
            }
        }
        let mut targets: Vec<SessionTarget> = wanted
            .iter()
            .enumerate()
            .filter(|(index, _)| chosen >> index & 1 == 1)
            .map(|(_, target)| target.clone())
            .collect();
        if !targets.is_empty() {
            let by = usize::from(rotate) % targets.len();
            targets.rotate_left(by);
        }
        let new_version = VERSIONS[usize::from(input.byte()) % VERSIONS.len()];
        if new_version != version {
            // Another version means another connection: the fetch that failed reset the
            // session, and the broker's is gone with the connection.
            version = new_version;
            session.reset();
            broker = None;
        }

        let fetch = session.plan(&targets, version);
        let mut named = fetch.include.clone();
        named.sort_unstable();
        named.dedup();
        assert_eq!(named.len(), fetch.include.len(), "a partition named twice");
        assert!(named.iter().all(|&i| i < targets.len()), "{fetch:?}");
        for (topic, id, partition) in &fetch.forget {
            assert!(
                !targets
                    .iter()
                    .any(|t| t.topic == *topic && t.topic_id == *id && t.partition == *partition),
                "forgot {topic}-{partition}, which it fetches"
            );
        }
        let full = fetch.session_id == 0;
        if version < 7 {
            assert_eq!((fetch.session_id, fetch.session_epoch), (0, -1));
        }
        if full {
            assert_eq!(
                named.len(),
                targets.len(),
                "a full Fetch names every partition"
            );
            assert!(fetch.forget.is_empty(), "a full Fetch forgets nothing");
            if version >= 7 {
                assert_eq!(fetch.session_epoch, 0, "a full Fetch asks for a session");
            }
        } else {
            let known = broker.as_ref().expect("a session Fetch without a session");
            assert_eq!(fetch.session_id, known.id, "a Fetch in another session");
            assert_eq!(
                fetch.session_epoch, known.next_epoch,
                "a Fetch at the wrong epoch"
            );
            assert_eq!(known.version, version);
        }

        // The broker's answer.
        let answer = input.byte();
        let granted = i32::from(input.u16());
        match answer % 8 {
            // A top-level error, or no answer at all: the fetch task resets the session.
            0 | 1 => {
                session.reset();
                broker = None;
                continue;
            }
            _ => {}
        }
        let session_id = match answer % 8 {
            // A broker that answers with an id of its own making.
            2 => granted,
            // No session granted.
            3 => 0,
            _ if full => granted.max(1),
            _ => fetch.session_id,
        };
        session.answered(session_id);

        // The model: what the broker now fetches in this session.
        let keep_session = version >= 7
            && session_id > 0
            && if full {
                true
            } else {
                session_id == fetch.session_id
            };
        if !keep_session {
            broker = None;
            continue;
        }
        let mut state = match broker.take() {
            Some(state) if !full => state,
            _ => BrokerSession {
                id: session_id,
                next_epoch: 0,
                version,
                partitions: BTreeMap::new(),
            },
        };
        for (topic, id, partition) in &fetch.forget {
            let key = if version >= TOPIC_IDS {
                (Ok(*id), *partition)
            } else {
                (Err(Arc::clone(topic)), *partition)
            };
            state.partitions.remove(&key);
        }
        for &index in &fetch.include {
            let target = &targets[index];
            state
                .partitions
                .insert(key(target, version), position(target));
        }
        state.next_epoch = if full {
            1
        } else {
            state.next_epoch.checked_add(1).unwrap_or(1)
        };
        let wanted_now: BTreeMap<Key, Position> = targets
            .iter()
            .map(|target| (key(target, version), position(target)))
            .collect();
        assert_eq!(
            state.partitions, wanted_now,
            "the broker's session fetches other partitions than the fetcher wants (v{version})"
        );
        broker = Some(state);
    }
});
