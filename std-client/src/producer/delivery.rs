//! A batch's outcome, shared by its records, and [`Delivery`], the future `send` returns.
//!
//! One [`Completion`] is allocated per batch, not per record: each record's [`Delivery`] holds
//! the batch's `Arc` plus its own offset delta and timestamp. The sender completes a batch
//! exactly once; later completions are ignored. A batch the broker found too large is split
//! ([`Completion::split`]): its completion then points each record at the part that holds it.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use franzl_core::ErrorCode;

use super::RecordMetadata;
use crate::{Error, Result};

/// Why a batch failed; cheap to clone into each record's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The broker refused the batch with this code.
    Kafka { code: ErrorCode, message: String },
    /// `delivery.timeout.ms` passed before the batch was acknowledged.
    Timeout(Duration),
    /// Something else, described.
    Other { reason: String, retriable: bool },
}

impl Failure {
    /// The error a record of `topic`'s `partition` gets: names the topic, the partition and
    /// the cause (with the broker's error code and message when it sent them).
    pub(crate) fn to_error(&self, topic: &str, partition: i32) -> Error {
        let what = format!("delivery to topic {topic}, partition {partition}");
        match self {
            Self::Kafka { code, message } => Error::Kafka {
                code: *code,
                message: (!message.is_empty()).then(|| message.clone()),
                context: what,
            },
            Self::Timeout(after) => Error::Timeout {
                what: format!("{what}: not acknowledged within delivery.timeout.ms"),
                after: *after,
            },
            Self::Other { reason, retriable } => Error::Producer {
                reason: format!("{what}: {reason}"),
                retriable: *retriable,
            },
        }
    }
}

#[derive(Debug, Default)]
enum Outcome {
    #[default]
    Pending,
    Written {
        base_offset: i64,
        log_append_time: i64,
    },
    Failed(Failure),
    /// The batch was split: the parts, each with the offset delta of its first record, in
    /// order.
    Split(Vec<(i32, Arc<Completion>)>),
}

#[derive(Debug, Default)]
struct State {
    outcome: Outcome,
    wakers: Wakers,
}

/// The wakers of the tasks awaiting a batch's records: the first kept inline, as one task
/// usually awaits them all (no allocation per batch), the others in a list.
#[derive(Debug, Default)]
struct Wakers {
    first: Option<Waker>,
    more: Vec<Waker>,
}

impl Wakers {
    /// Adds `waker` unless it would wake a task already there.
    fn register(&mut self, waker: &Waker) {
        let known = |w: &Waker| w.will_wake(waker);
        if self.first.as_ref().is_some_and(known) || self.more.iter().any(known) {
            return;
        }
        match &self.first {
            None => self.first = Some(waker.clone()),
            Some(_) => self.more.push(waker.clone()),
        }
    }

    /// Wakes every task.
    fn wake_all(self) {
        self.first
            .into_iter()
            .chain(self.more)
            .for_each(Waker::wake);
    }
}

/// The tasks to wake for a batch that has its outcome (see [`Completion::settle_written`]).
#[must_use = "the tasks awaiting the batch sleep until this is woken"]
#[derive(Debug, Default)]
pub(crate) struct Woken(Wakers);

impl Woken {
    /// Wakes every task that awaited the batch.
    pub(crate) fn wake(self) {
        self.0.wake_all();
    }
}

/// The outcome of one batch.
#[derive(Debug, Default)]
pub(crate) struct Completion {
    /// The batch's topic, for its records' errors: set once when the batch is made
    /// ([`Completion::set_topic`]); a split hands it to its parts.
    topic: OnceLock<Arc<str>>,
    state: Mutex<State>,
}

impl Completion {
    /// Names the batch's topic; a second call changes nothing.
    pub(crate) fn set_topic(&self, topic: Arc<str>) {
        let _ = self.topic.set(topic);
    }

    /// The batch's topic, as errors name it.
    pub(crate) fn topic(&self) -> &str {
        self.topic.get().map_or("(unnamed)", |topic| topic)
    }

    fn finish(&self, outcome: Outcome) {
        self.settle(outcome).wake();
    }

    /// Records `outcome` (unless the batch already has one) and hands back the wakers of the
    /// tasks awaiting it, to wake once the caller holds no lock.
    fn settle(&self, outcome: Outcome) -> Woken {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if !matches!(state.outcome, Outcome::Pending) {
            return Woken(Wakers::default());
        }
        state.outcome = outcome;
        Woken(std::mem::take(&mut state.wakers))
    }

    /// The batch is in the log from `base_offset` (-1 when unknown); `log_append_time` is the
    /// broker's timestamp for `LogAppendTime` topics, else -1.
    #[cfg(test)]
    pub(crate) fn written(&self, base_offset: i64, log_append_time: i64) {
        self.settle_written(base_offset, log_append_time).wake();
    }

    /// As [`Completion::written`], but the tasks awaiting the batch are woken only when the
    /// returned [`Woken`] is: a caller under a lock that those tasks take next (the
    /// accumulator's, which `send` takes) wakes them after releasing it, so a woken sender
    /// does not run into the lock and sleep again.
    pub(crate) fn settle_written(&self, base_offset: i64, log_append_time: i64) -> Woken {
        self.settle(Outcome::Written {
            base_offset,
            log_append_time,
        })
    }

    /// The batch's failure, once it failed.
    pub(crate) fn failure(&self) -> Option<Failure> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match &state.outcome {
            Outcome::Failed(failure) => Some(failure.clone()),
            _ => None,
        }
    }

    /// The batch failed for good.
    pub(crate) fn failed(&self, failure: Failure) {
        self.finish(Outcome::Failed(failure));
    }

    /// The batch was split into `parts`, each given with the offset delta (in this batch) of
    /// its first record, in order; each record's delivery follows the part that holds it.
    pub(crate) fn split(&self, parts: Vec<(i32, Arc<Completion>)>) {
        if let Some(topic) = self.topic.get() {
            for (_, part) in &parts {
                part.set_topic(Arc::clone(topic));
            }
        }
        self.finish(Outcome::Split(parts));
    }
}

/// The future `send` returns: resolves to where the record landed, or why it did not.
///
/// Dropping it does not cancel the record; [`crate::producer::Producer::flush`] waits for it
/// all the same.
#[derive(Debug)]
#[must_use = "a Delivery says whether the record was written; drop it only if that is not needed"]
pub struct Delivery {
    completion: Arc<Completion>,
    partition: i32,
    offset_delta: i32,
    timestamp: i64,
}

impl Delivery {
    pub(crate) fn new(
        completion: Arc<Completion>,
        partition: i32,
        offset_delta: i32,
        timestamp: i64,
    ) -> Self {
        Self {
            completion,
            partition,
            offset_delta,
            timestamp,
        }
    }

    /// The partition the record was put in.
    pub fn partition(&self) -> i32 {
        self.partition
    }
}

impl Future for Delivery {
    type Output = Result<RecordMetadata>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            let (start, part) = {
                let mut state = this
                    .completion
                    .state
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                match &state.outcome {
                    Outcome::Pending => {
                        state.wakers.register(cx.waker());
                        return Poll::Pending;
                    }
                    Outcome::Written {
                        base_offset,
                        log_append_time,
                    } => return Poll::Ready(Ok(this.metadata(*base_offset, *log_append_time))),
                    Outcome::Failed(failure) => {
                        let topic = this.completion.topic();
                        return Poll::Ready(Err(failure.to_error(topic, this.partition)));
                    }
                    Outcome::Split(parts) => {
                        let holding = parts
                            .iter()
                            .rev()
                            .find(|(start, _)| *start <= this.offset_delta);
                        match holding {
                            Some((start, part)) => (*start, Arc::clone(part)),
                            None => {
                                let lost = Failure::Other {
                                    reason: "a split batch lost a record".into(),
                                    retriable: false,
                                };
                                let topic = this.completion.topic();
                                return Poll::Ready(Err(lost.to_error(topic, this.partition)));
                            }
                        }
                    }
                }
            };
            // Follow the record into its part, with its place there.
            this.completion = part;
            this.offset_delta -= start;
        }
    }
}

impl Delivery {
    fn metadata(&self, base_offset: i64, log_append_time: i64) -> RecordMetadata {
        RecordMetadata {
            partition: self.partition,
            offset: if base_offset < 0 {
                -1
            } else {
                base_offset.saturating_add(i64::from(self.offset_delta))
            },
            timestamp: if log_append_time >= 0 {
                log_append_time
            } else {
                self.timestamp
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_share_their_batch_outcome() {
        let completion = Arc::new(Completion::default());
        let first = Delivery::new(completion.clone(), 3, 0, 1000);
        let second = Delivery::new(completion.clone(), 3, 1, 1001);
        completion.written(40, -1);
        completion.failed(Failure::Timeout(Duration::from_secs(1))); // ignored: already done
        let first = smol::block_on(first).unwrap();
        let second = smol::block_on(second).unwrap();
        assert_eq!(
            (first.partition, first.offset, first.timestamp),
            (3, 40, 1000)
        );
        assert_eq!((second.offset, second.timestamp), (41, 1001));
    }

    #[test]
    fn a_settled_batch_wakes_its_senders_only_when_told() {
        struct Count(std::sync::atomic::AtomicU32);
        impl std::task::Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let count = Arc::new(Count(0.into()));
        let waker = Waker::from(count.clone());
        let completion = Arc::new(Completion::default());
        let mut delivery = std::pin::pin!(Delivery::new(completion.clone(), 0, 0, 1));
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(delivery.as_mut().poll(&mut cx).is_pending());
        let woken = completion.settle_written(7, -1);
        let wakes = || count.0.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(wakes(), 0, "no wake-up while the settler holds its lock");
        woken.wake();
        assert_eq!(wakes(), 1);
        let std::task::Poll::Ready(Ok(metadata)) = delivery.as_mut().poll(&mut cx) else {
            panic!("the record is written");
        };
        assert_eq!(metadata.offset, 7);
    }

    #[test]
    fn records_of_a_split_batch_follow_their_part() {
        let whole = Arc::new(Completion::default());
        let deliveries: Vec<_> = (0..5)
            .map(|i| Delivery::new(whole.clone(), 1, i, 100 + i64::from(i)))
            .collect();
        let (head, tail) = (
            Arc::new(Completion::default()),
            Arc::new(Completion::default()),
        );
        whole.split(vec![(0, head.clone()), (2, tail.clone())]);
        // A part may itself be split again.
        let (tail_a, tail_b) = (
            Arc::new(Completion::default()),
            Arc::new(Completion::default()),
        );
        tail.split(vec![(0, tail_a.clone()), (1, tail_b.clone())]);
        head.written(10, -1);
        tail_a.written(30, -1);
        tail_b.written(50, -1);
        let offsets: Vec<i64> = deliveries
            .into_iter()
            .map(|d| smol::block_on(d).unwrap().offset)
            .collect();
        assert_eq!(offsets, [10, 11, 30, 50, 51]);
    }

    #[test]
    fn a_failed_batch_fails_each_record_and_wakes_waiters() {
        let completion = Arc::new(Completion::default());
        let delivery = Delivery::new(completion.clone(), 0, 0, 0);
        let waiter = std::thread::spawn(move || smol::block_on(delivery));
        std::thread::sleep(Duration::from_millis(20));
        completion.failed(Failure::Kafka {
            code: ErrorCode::MESSAGE_TOO_LARGE,
            message: "too big".into(),
        });
        let error = waiter.join().unwrap().unwrap_err();
        assert!(error.to_string().contains("MESSAGE_TOO_LARGE"), "{error}");
        assert!(error.to_string().contains("too big"), "{error}");
    }

    /// The text of the error a record of partition 1 of `orders` gets when its batch ends
    /// with `failure`.
    fn failed_delivery_text(failure: Failure) -> String {
        let completion = Arc::new(Completion::default());
        completion.set_topic("orders".into());
        let delivery = Delivery::new(completion.clone(), 1, 0, 0);
        completion.failed(failure);
        smol::block_on(delivery).unwrap_err().to_string()
    }

    #[test]
    fn delivery_errors_name_topic_partition_and_cause() {
        let code = ErrorCode::NOT_ENOUGH_REPLICAS;
        assert_eq!(
            failed_delivery_text(Failure::Kafka {
                code,
                message: "2 in sync, 3 needed".into(),
            }),
            format!("delivery to topic orders, partition 1: {code}: 2 in sync, 3 needed")
        );
        assert_eq!(
            failed_delivery_text(Failure::Kafka {
                code,
                message: String::new(),
            }),
            format!("delivery to topic orders, partition 1: {code}")
        );
        assert_eq!(
            failed_delivery_text(Failure::Timeout(Duration::from_secs(120))),
            "timed out after 120s: delivery to topic orders, partition 1: not acknowledged \
             within delivery.timeout.ms"
        );
        assert_eq!(
            failed_delivery_text(Failure::Other {
                reason: "the batch cannot be sealed".into(),
                retriable: false,
            }),
            "producer: delivery to topic orders, partition 1: the batch cannot be sealed"
        );
    }

    #[test]
    fn parts_of_a_split_batch_keep_its_topic() {
        let whole = Arc::new(Completion::default());
        whole.set_topic("orders".into());
        let delivery = Delivery::new(whole.clone(), 2, 1, 0);
        let (head, tail) = (
            Arc::new(Completion::default()),
            Arc::new(Completion::default()),
        );
        whole.split(vec![(0, head.clone()), (1, tail.clone())]);
        tail.failed(Failure::Timeout(Duration::from_secs(1)));
        let error = smol::block_on(delivery).unwrap_err().to_string();
        assert!(error.contains("topic orders, partition 2"), "{error}");
    }
}
