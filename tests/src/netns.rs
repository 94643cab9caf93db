//! A Linux network namespace of a test's own, with a TAP device in it: the embedded client's
//! TCP/IP stack (smoltcp) sends its frames through the TAP device to the namespace's kernel,
//! where the broker listens on the TAP device's address.
//!
//! The namespace has `lo` and the TAP device only, no route out, so nothing sent in it leaves
//! it. [`Namespace`] deletes it when dropped, also when a test fails; processes started in it
//! must be stopped by their owner first (deleting a namespace does not end them). Making one
//! needs root (`CAP_NET_ADMIN`, `CAP_SYS_ADMIN`) and `ip` from iproute2.

use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// The TAP device's name inside the namespace (each namespace has its own names).
pub const TAP: &str = "tap0";

/// The kernel's address on the TAP device, where the broker listens.
pub const KERNEL_ADDRESS: Ipv4Addr = Ipv4Addr::new(10, 69, 0, 1);

/// The address the embedded client's own stack takes on the TAP link.
pub const STACK_ADDRESS: Ipv4Addr = Ipv4Addr::new(10, 69, 0, 2);

/// The TAP link's prefix length.
pub const PREFIX_LEN: u8 = 24;

/// A network namespace with `lo` and [`TAP`] up, [`KERNEL_ADDRESS`] on the TAP device; deleted
/// when dropped.
#[derive(Debug)]
pub struct Namespace {
    name: String,
}

impl Namespace {
    /// Makes a namespace with a name no other process or test uses, and sets it up.
    ///
    /// # Errors
    /// What `ip` said when a step failed (not root, no `ip`, no `/dev/net/tun`); a namespace
    /// made before the failing step is deleted again.
    pub fn create() -> Result<Self, String> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("franzl-tap-{}-{count}", std::process::id());
        ip(&["netns", "add", &name])?;
        let namespace = Self { name };
        let address = format!("{KERNEL_ADDRESS}/{PREFIX_LEN}");
        namespace.ip(&["link", "set", "lo", "up"])?;
        namespace.ip(&["tuntap", "add", "name", TAP, "mode", "tap"])?;
        namespace.ip(&["addr", "add", &address, "dev", TAP])?;
        namespace.ip(&["link", "set", TAP, "up"])?;
        Ok(namespace)
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The words that run a program in the namespace: `ip netns exec <name>`.
    pub fn exec_prefix(&self) -> [&str; 4] {
        ["ip", "netns", "exec", &self.name]
    }

    /// A command that runs `program` in the namespace (`ip` execs it there, so the child's PID
    /// is the program's).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let [ip, netns, exec, name] = self.exec_prefix();
        let mut command = Command::new(ip);
        command.args([netns, exec, name]).arg(program);
        command
    }

    /// The namespace's IPv4 and IPv6 routes, as `ip route` prints them: only the TAP link's
    /// own prefix when nothing can leave the namespace.
    ///
    /// # Errors
    /// What `ip` said.
    pub fn routes(&self) -> Result<Vec<String>, String> {
        let mut routes = Vec::new();
        for family in ["-4", "-6"] {
            let printed = self.ip(&[family, "route", "show", "table", "all"])?;
            routes.extend(printed.lines().map(str::to_owned));
        }
        Ok(routes)
    }

    /// The kernel's counters of the TAP device: what it received from the client's stack and
    /// sent to it.
    ///
    /// # Errors
    /// A counter cannot be read.
    pub fn tap_counters(&self) -> Result<TapCounters, String> {
        let read = |name: &str| -> Result<u64, String> {
            let path = format!("/sys/class/net/{TAP}/statistics/{name}");
            let output = self
                .command("cat")
                .arg(&path)
                .stdin(Stdio::null())
                .output()
                .map_err(|error| format!("cannot run ip netns exec: {error}"))?;
            let text = String::from_utf8_lossy(&output.stdout);
            text.trim()
                .parse()
                .map_err(|error| format!("{path}: {error}: {text:?}"))
        };
        Ok(TapCounters {
            received_bytes: read("rx_bytes")?,
            received_packets: read("rx_packets")?,
            sent_bytes: read("tx_bytes")?,
            sent_packets: read("tx_packets")?,
        })
    }

    /// Runs `ip` with `args` in the namespace; what it printed.
    fn ip(&self, args: &[&str]) -> Result<String, String> {
        let mut words = vec!["-n", self.name.as_str()];
        words.extend_from_slice(args);
        ip(&words)
    }
}

/// The kernel's counters of the TAP device (`/sys/class/net/<tap>/statistics`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TapCounters {
    /// Bytes of the frames the kernel received from the client's stack.
    pub received_bytes: u64,
    /// Those frames.
    pub received_packets: u64,
    /// Bytes of the frames the kernel sent to the client's stack.
    pub sent_bytes: u64,
    /// Those frames.
    pub sent_packets: u64,
}

impl Drop for Namespace {
    fn drop(&mut self) {
        if let Err(error) = ip(&["netns", "delete", &self.name]) {
            eprintln!("network namespace {} not deleted: {error}", self.name);
        }
    }
}

/// Runs `ip` with `args`; what it printed, or its stderr on failure.
fn ip(args: &[&str]) -> Result<String, String> {
    let output = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot run ip: {error}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "ip {}: {} {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}
