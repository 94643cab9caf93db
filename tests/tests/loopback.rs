//! No broker listens on anything but 127.0.0.1: every listening TCP socket of every node of every
//! profile is checked through `/proc`.

use franzl_tests::listening::{is_ipv4_loopback, listening_addresses};
use franzl_tests::{Profile, broker};

#[test]
fn brokers_listen_on_loopback_only() {
    for profile in Profile::ALL {
        broker(profile);
    }
    let mut checked = 0;
    for profile in Profile::ALL {
        // The PIDs running now: another test binary may have restarted a cluster3 node.
        for node in xtask::broker::status(profile) {
            let Some(pid) = node.pid else {
                continue;
            };
            let Ok(addresses) = listening_addresses(pid) else {
                continue; // gone since status was read
            };
            assert!(
                !addresses.is_empty(),
                "{profile} node {} listens on nothing",
                node.id
            );
            for addr in &addresses {
                assert!(
                    is_ipv4_loopback(addr),
                    "{profile} node {} listens on {addr}",
                    node.id
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} broker processes were checked");
}
