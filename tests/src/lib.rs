//! The integration-test harness: brokers by profile, unique topic names.
