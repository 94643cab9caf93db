//! [`Membership`]: what a group member's task (`member_task.rs`) shares with the consumer
//! handle: the member id and generation, the subscription, the partitions owned, the caller's
//! polling (for `max.poll.interval.ms`) and the rebalance event stream.
//!
//! Locking: [`Membership::state`] is a plain mutex, never held across an await. The handle
//! wakes the task through [`Membership::listen`]'s event (a new subscription, a poll after
//! the member left for not polling); everything else the task finds on its own timers.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use event_listener::{Event, EventListener};

use super::events::{GroupEvent, GroupEvents};
use super::offsets::MemberIdentity;
use crate::TopicPartition;
use crate::config::GroupConfig;

/// The member's standing in the group.
#[derive(Debug)]
pub(crate) struct MemberState {
    /// Empty until the coordinator gives one (KIP-394); kept across rejoins.
    pub(crate) member_id: String,
    /// The generation of the last completed rebalance, -1 outside one (before the first, after
    /// falling out of the group, while joining again after a revocation of everything). Set
    /// with [`Membership::set_generation`], which the handle reads without the lock.
    pub(crate) generation: i32,
    /// The subscribed topics, sorted (with a pattern, those it matched last).
    pub(crate) subscription: Vec<String>,
    /// The pattern subscription (matched against whole topic names), if any.
    pub(crate) pattern: Option<regex_lite::Regex>,
    /// The subscription changed since the last join.
    pub(crate) subscription_changed: bool,
    /// The partitions this member owns, sorted.
    pub(crate) owned: Vec<TopicPartition>,
    /// The last non-empty assignment and its generation, for the sticky assignors' user data
    /// (an eager member owns nothing when it joins).
    pub(crate) previous: Vec<TopicPartition>,
    pub(crate) previous_generation: i32,
    /// A non-retriable error ended membership (`FENCED_INSTANCE_ID`, an authorization
    /// failure, ...): no rejoin until the subscription changes.
    pub(crate) failed: bool,
}

/// A consumer's membership in its group, shared by handle and task.
#[derive(Debug)]
pub(crate) struct Membership {
    pub(crate) config: GroupConfig,
    state: Mutex<MemberState>,
    changed: Event,
    events: Mutex<Option<async_channel::Sender<GroupEvent>>>,
    started: Instant,
    /// When the caller last took records, in milliseconds since `started`.
    last_poll_ms: AtomicU64,
    /// The caller is waiting for records right now (which counts as polling).
    waiting_in_poll: AtomicBool,
    /// The member left the group because the caller stopped polling.
    left_for_poll: AtomicBool,
    /// [`MemberState::generation`], readable without the lock.
    generation: AtomicI32,
}

impl Membership {
    pub(crate) fn new(config: GroupConfig) -> Self {
        Self {
            config,
            state: Mutex::new(MemberState {
                member_id: String::new(),
                generation: -1,
                subscription: Vec::new(),
                pattern: None,
                subscription_changed: false,
                owned: Vec::new(),
                previous: Vec::new(),
                previous_generation: -1,
                failed: false,
            }),
            changed: Event::new(),
            events: Mutex::new(None),
            started: Instant::now(),
            last_poll_ms: AtomicU64::new(0),
            waiting_in_poll: AtomicBool::new(false),
            left_for_poll: AtomicBool::new(false),
            generation: AtomicI32::new(-1),
        }
    }

    /// The member's state, locked.
    pub(crate) fn state(&self) -> MutexGuard<'_, MemberState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A listener for the next change the task acts on; take it before looking at the state.
    pub(crate) fn listen(&self) -> EventListener {
        self.changed.listen()
    }

    /// Wakes the task.
    pub(crate) fn notify(&self) {
        self.changed.notify(usize::MAX);
    }

    /// Replaces the subscription; a change makes the member join again.
    pub(crate) fn subscribe(&self, topics: impl IntoIterator<Item = String>) {
        let mut topics: Vec<String> = topics.into_iter().collect();
        topics.sort();
        topics.dedup();
        {
            let mut state = self.state();
            if state.subscription == topics && state.pattern.is_none() && !state.failed {
                return;
            }
            state.subscription = topics;
            state.pattern = None;
            state.subscription_changed = true;
            state.failed = false;
        }
        self.polled();
        self.notify();
    }

    /// Subscribes to the topics whose whole name `pattern` matches (the member task finds
    /// them, now and every `metadata.max.age.ms`).
    pub(crate) fn subscribe_pattern(&self, pattern: regex_lite::Regex) {
        {
            let mut state = self.state();
            state.pattern = Some(pattern);
            state.subscription_changed = true;
            state.failed = false;
        }
        self.polled();
        self.notify();
    }

    /// Whether the member has anything to subscribe to (topics or a pattern).
    pub(crate) fn is_subscribed(&self) -> bool {
        let state = self.state();
        !state.subscription.is_empty() || state.pattern.is_some()
    }

    /// Enters `generation` (-1: none), forgetting the member id too when `forget_id`.
    pub(crate) fn set_generation(&self, generation: i32, forget_id: bool) -> String {
        let mut state = self.state();
        state.generation = generation;
        self.generation.store(generation, Ordering::Release);
        if forget_id {
            std::mem::take(&mut state.member_id)
        } else {
            String::new()
        }
    }

    /// The generation now, without taking the lock.
    pub(crate) fn generation(&self) -> i32 {
        self.generation.load(Ordering::Acquire)
    }

    /// The identity commits are made under; `None` outside a generation.
    pub(crate) fn identity(&self) -> Option<MemberIdentity> {
        let state = self.state();
        (state.generation >= 0).then(|| MemberIdentity {
            generation_id: state.generation,
            member_id: state.member_id.clone(),
            group_instance_id: self.config.group_instance_id.clone(),
        })
    }

    /// The caller took (or asked for) records.
    pub(crate) fn polled(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_poll_ms.store(now, Ordering::Relaxed);
        if self.left_for_poll.swap(false, Ordering::AcqRel) {
            self.notify();
        }
    }

    /// Whether the caller is waiting for records now.
    pub(crate) fn set_waiting(&self, waiting: bool) {
        self.waiting_in_poll.store(waiting, Ordering::Relaxed);
    }

    /// When the caller will have gone `max.poll.interval.ms` without polling; `None` while it
    /// waits for records.
    pub(crate) fn poll_deadline(&self) -> Option<Instant> {
        if self.waiting_in_poll.load(Ordering::Relaxed) {
            return None;
        }
        let last = Duration::from_millis(self.last_poll_ms.load(Ordering::Relaxed));
        Some(self.started + last + self.config.max_poll_interval)
    }

    /// The member left for not polling; the next poll wakes the task to join again.
    pub(crate) fn left_for_poll_timeout(&self) {
        self.left_for_poll.store(true, Ordering::Release);
    }

    /// Whether the member is out of the group until the caller polls again.
    pub(crate) fn waiting_for_poll(&self) -> bool {
        self.left_for_poll.load(Ordering::Acquire)
    }

    /// A new event stream; the previous one ends.
    pub(crate) fn take_events(&self) -> GroupEvents {
        let (sender, receiver) = async_channel::unbounded();
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        *events = Some(sender);
        GroupEvents::new(receiver)
    }

    /// Hands `event` to the caller's stream; false when nobody has one (or it was dropped).
    pub(crate) fn emit(&self, event: GroupEvent) -> bool {
        let events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        events
            .as_ref()
            .is_some_and(|sender| sender.try_send(event).is_ok())
    }

    /// Ends the event stream (the consumer is closing).
    pub(crate) fn end_events(&self) {
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        *events = None;
    }
}
