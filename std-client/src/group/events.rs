//! Rebalance events: what a group member learns of its partitions changing hands, as a
//! [`Stream`] of [`GroupEvent`]s beside the consumer's record stream
//! ([`crate::Consumer::group_events`]).
//!
//! Contract: events come in the order the member saw them. A [`GroupEvent::Revoked`] holds the
//! rebalance back until the event is dropped (at most `max.poll.interval.ms`), so the caller
//! can finish its work on those partitions and commit before another member gets them; the
//! partitions are still assigned (and committable) while the event is held. Without a stream
//! taken, nothing waits. [`GroupEvent::Lost`] partitions may have a new owner already: they
//! cannot be committed.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::Stream;

use crate::TopicPartition;

/// A change of the member's partitions.
#[derive(Debug)]
#[non_exhaustive]
pub enum GroupEvent {
    /// Partitions given to this member in a rebalance; each is read from its committed offset,
    /// or where `auto.offset.reset` says when it has none.
    Assigned(Vec<TopicPartition>),
    /// Partitions taken from this member in a rebalance; the rebalance waits until this event
    /// is dropped. With auto commit, their positions were committed before it.
    Revoked(Revocation),
    /// Partitions this member no longer owns because it fell out of the group (its session
    /// expired, its generation is stale): another member may own them already, and they can
    /// no longer be committed.
    Lost(Vec<TopicPartition>),
}

/// Partitions being revoked; the rebalance goes on once this is dropped.
#[derive(Debug)]
pub struct Revocation {
    partitions: Vec<TopicPartition>,
    /// Dropped with the revocation: the member waits for the channel to close.
    _done: async_channel::Sender<()>,
}

impl Revocation {
    /// A revocation of `partitions`, and what the member waits on until it is dropped.
    pub(crate) fn new(partitions: Vec<TopicPartition>) -> (Self, async_channel::Receiver<()>) {
        let (done, waiter) = async_channel::bounded(1);
        let revocation = Self {
            partitions,
            _done: done,
        };
        (revocation, waiter)
    }

    /// The partitions revoked.
    #[must_use]
    pub fn partitions(&self) -> &[TopicPartition] {
        &self.partitions
    }
}

/// The stream of a member's [`GroupEvent`]s; ends when the consumer closes. Taking a new one
/// ([`crate::Consumer::group_events`]) ends the previous one.
#[derive(Debug)]
pub struct GroupEvents {
    /// Boxed: the receiver is not `Unpin`, and the stream should be.
    receiver: Pin<Box<async_channel::Receiver<GroupEvent>>>,
}

impl GroupEvents {
    pub(crate) fn new(receiver: async_channel::Receiver<GroupEvent>) -> Self {
        Self {
            receiver: Box::pin(receiver),
        }
    }
}

impl Stream for GroupEvents {
    type Item = GroupEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<GroupEvent>> {
        self.receiver.as_mut().poll_next(cx)
    }
}
