//! Client processes a test runs beside itself: the example programs (`examples/src/bin/`,
//! built once per test process with `cargo build -p franzl-examples --bins`) and long-running
//! Java tools. Each [`Process`] collects its stdout and stderr line by line as they come, can
//! be killed (SIGKILL) or asked to stop (SIGTERM) by its PID, and is killed when dropped, so a
//! failed assertion leaves nothing running.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// Builds the examples once per test process and returns the path of example `name`.
///
/// # Panics
/// The build fails, or it made no binary called `name`.
pub fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .args(["build", "--quiet", "-p", "franzl-examples", "--bins"])
            .current_dir(xtask::workspace::root());
        // Cargo sets these for this test binary; build scripts (ring's) rerun when they change,
        // so passing them on would rebuild those crates here and again in the next `cargo test`.
        for (name, _) in std::env::vars_os() {
            if name.to_str().is_some_and(set_by_cargo_for_tests) {
                command.env_remove(name);
            }
        }
        let status = command.status().expect("cargo runs");
        assert!(status.success(), "building the examples failed: {status}");
    });
    let path = xtask::workspace::target_dir().join("debug").join(name);
    assert!(path.exists(), "no example binary at {}", path.display());
    path
}

/// Whether cargo sets variable `name` for the package under test (not a cargo setting).
fn set_by_cargo_for_tests(name: &str) -> bool {
    name.starts_with("CARGO_PKG_")
        || name.starts_with("CARGO_MANIFEST_")
        || name.starts_with("CARGO_BIN_")
        || matches!(
            name,
            "CARGO_CRATE_NAME"
                | "CARGO_PRIMARY_PACKAGE"
                | "CARGO_TARGET_TMPDIR"
                | "CARGO_RUSTC_CURRENT_DIR"
                | "OUT_DIR"
        )
}

/// The lines a process printed so far.
type Lines = Arc<Mutex<Vec<String>>>;

/// A running process whose output is collected; killed (by PID) when dropped.
#[derive(Debug)]
pub struct Process {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Lines,
    stderr: Lines,
    readers: Vec<thread::JoinHandle<()>>,
}

impl Process {
    /// Starts `command` (named `name` in messages) with its stdin closed and its output piped.
    ///
    /// # Panics
    /// The process cannot be started.
    pub fn start(name: &str, command: &mut Command) -> Self {
        Self::spawn(name, command.stdin(Stdio::null()))
    }

    /// Starts `command` as [`Process::start`] does, but with a pipe to its stdin for
    /// [`Process::send_line`].
    ///
    /// # Panics
    /// The process cannot be started.
    pub fn start_with_stdin(name: &str, command: &mut Command) -> Self {
        Self::spawn(name, command.stdin(Stdio::piped()))
    }

    fn spawn(name: &str, command: &mut Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
        let (stdout, stderr) = (Lines::default(), Lines::default());
        let readers = vec![
            collect(child.stdout.take(), Arc::clone(&stdout)),
            collect(child.stderr.take(), Arc::clone(&stderr)),
        ];
        Self {
            name: name.to_owned(),
            stdin: child.stdin.take(),
            child,
            stdout,
            stderr,
            readers,
        }
    }

    /// Writes `line` and a newline to its stdin.
    ///
    /// # Panics
    /// It was not started with [`Process::start_with_stdin`], or the pipe is closed.
    pub fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("started with a pipe to stdin");
        writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .unwrap_or_else(|error| panic!("{}: writing to stdin: {error}", self.name));
    }

    /// The name it was started with.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether it still runs.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The lines printed on stdout so far.
    pub fn stdout(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    /// The lines printed on stdout so far from line `start` on (0-based).
    pub fn stdout_from(&self, start: usize) -> Vec<String> {
        let lines = self.stdout.lock().unwrap();
        lines.get(start..).unwrap_or_default().to_vec()
    }

    /// The lines printed on stderr so far.
    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until `done` holds for the stdout and stderr lines printed so far, up to `within`.
    ///
    /// # Panics
    /// It does not within the time, or the process ended first; the message has its stderr.
    pub fn wait_for(
        &mut self,
        what: &str,
        within: Duration,
        mut done: impl FnMut(&[String], &[String]) -> bool,
    ) {
        let deadline = Instant::now() + within;
        loop {
            if done(&self.stdout(), &self.stderr()) {
                return;
            }
            let ended = self.child.try_wait().ok().flatten();
            assert!(
                ended.is_none() && Instant::now() < deadline,
                "{}: no {what} within {within:?} (ended: {ended:?}); stderr:\n{}",
                self.name,
                self.stderr().join("\n")
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGKILL: the process ends at once, without a word to anyone. What it printed
    /// before is all read when this returns.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.join_readers();
    }

    /// Sends SIGTERM and waits up to `within` for the process to end; then reads the rest of
    /// its output.
    ///
    /// # Panics
    /// `kill` cannot be run, or the process has not ended in time (it is killed then).
    pub fn terminate(&mut self, within: Duration) -> ExitStatus {
        self.signal("TERM");
        self.wait(within)
    }

    /// Sends SIGSTOP: the process keeps its sockets open but runs no more, so its peers'
    /// requests go unanswered (as in a long garbage-collection pause). [`Process::kill`]
    /// still ends it.
    ///
    /// # Panics
    /// `kill` cannot be run or fails.
    pub fn pause(&mut self) {
        self.signal("STOP");
    }

    fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{name} {} failed", self.pid());
    }

    /// Waits up to `within` for the process to end by itself, then reads the rest of its output.
    ///
    /// # Panics
    /// It has not ended in time (it is killed then).
    pub fn wait(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                self.join_readers();
                return status;
            }
            if Instant::now() >= deadline {
                self.kill();
                panic!(
                    "{} ran longer than {within:?}; stderr:\n{}",
                    self.name,
                    self.stderr().join("\n")
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn join_readers(&mut self) {
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }
}

impl Drop for Process {
    /// Kills the process if it still runs.
    fn drop(&mut self) {
        if self.running() {
            self.kill();
        }
    }
}

/// Appends the lines of `pipe` to `lines` as they come, on a thread of its own.
fn collect(pipe: Option<impl Read + Send + 'static>, lines: Lines) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let Some(pipe) = pipe else { return };
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            lines.lock().unwrap().push(line);
        }
    })
}
