//! Switches for tests that show what a broker does when franzl does not do its part; not part
//! of the API, and never needed by a program.

/// Turns re-authentication (KIP-368) off, or back on, for every broker connection this process
/// opens afterwards. Off, a connection to a broker that limits the SASL session's lifetime is
/// closed by the broker on the first request after the session ends: the test of
/// re-authentication shows that this happens without it.
pub fn set_reauthentication(enabled: bool) {
    crate::broker::set_reauthentication(enabled);
}
