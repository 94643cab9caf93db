//! Decodes arbitrary bytes as a consumer-protocol subscription, assignment and `sticky` user
//! data: never panics; whatever decodes iterates to the end and re-encodes at the version read
//! to exactly `encoded_len` bytes that decode to the same value.
#![no_main]

use franzl_core::consumer_protocol::{Assignment, HIGHEST_VERSION, StickyUserData, Subscription};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut buf = vec![0u8; data.len() + 16];
    if let Ok((version, subscription)) = Subscription::decode(data) {
        let version = version.min(HIGHEST_VERSION);
        let topics = subscription.topics.iter().count();
        let owned: usize = subscription
            .owned_partitions
            .iter()
            .map(|t| t.partitions.iter().count())
            .sum();
        assert!(topics + owned <= data.len());
        let len = subscription
            .encode(version, &mut buf)
            .expect("a decoded subscription encodes");
        assert_eq!(Ok(len), subscription.encoded_len(version));
        assert_eq!(
            Subscription::decode(&buf[..len]),
            Ok((version, subscription))
        );
    }
    if let Ok((version, assignment)) = Assignment::decode(data) {
        let version = version.min(HIGHEST_VERSION);
        let len = assignment
            .encode(version, &mut buf)
            .expect("a decoded assignment encodes");
        assert_eq!(Ok(len), assignment.encoded_len(version));
        assert_eq!(Assignment::decode(&buf[..len]), Ok((version, assignment)));
    }
    if let Ok(user_data) = StickyUserData::decode(data) {
        let len = user_data
            .encode(&mut buf)
            .expect("decoded user data encodes");
        assert_eq!(Ok(len), user_data.encoded_len());
        assert_eq!(StickyUserData::decode(&buf[..len]), Ok(user_data));
    }
});
