//! The broker the benchmark runs against: a single plain KRaft node of the project's pinned Apache
//! Kafka, started for the run, pinned to its own core, and stopped (by its PID) when dropped.
//!
//! This is the benchmark's own small launcher, used until the project's broker launcher
//! (`xtask::broker`) is on this branch; `--bootstrap H:P` uses a broker that is already running
//! instead. The jars come from the same cache as the launcher's (`$FRANZL_KAFKA_CACHE` or
//! `~/.cache/franzl`, `kafka-<version>/lib`), fetched with Maven when missing.

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use xtask::workspace;

/// The cluster id the storage is formatted with: base64url of "franzl-bench-000".
const CLUSTER_ID: &str = "ZnJhbnpsLWJlbmNoLTAwMA";

/// The pinned Kafka version, read from `xtask/kafka/pom.xml`.
///
/// # Errors
/// When the pom cannot be read or names no version.
pub(crate) fn kafka_version() -> Result<String, String> {
    let pom = workspace::root().join("xtask/kafka/pom.xml");
    let text = fs::read_to_string(&pom).map_err(|error| format!("{}: {error}", pom.display()))?;
    let start = text
        .find("<kafka.version>")
        .ok_or("no <kafka.version> in the pom")?
        + "<kafka.version>".len();
    let end = text[start..]
        .find('<')
        .ok_or("unterminated <kafka.version>")?;
    Ok(text[start..start + end].trim().to_string())
}

/// The folder of the pinned Kafka's jars, fetched with Maven when it is missing.
///
/// # Errors
/// When Maven fails.
pub(crate) fn jars() -> Result<PathBuf, String> {
    let cache = match std::env::var_os("FRANZL_KAFKA_CACHE") {
        Some(dir) => PathBuf::from(dir),
        None => {
            PathBuf::from(std::env::var_os("HOME").ok_or("HOME is not set")?).join(".cache/franzl")
        }
    };
    let lib = cache
        .join(format!("kafka-{}", kafka_version()?))
        .join("lib");
    let has_jars = fs::read_dir(&lib)
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false);
    if !has_jars {
        eprintln!("==> fetching Apache Kafka's jars into {}", lib.display());
        let status = Command::new("mvn")
            .args(["-q", "-B", "-f"])
            .arg(workspace::root().join("xtask/kafka/pom.xml"))
            .args(["dependency:copy-dependencies", "-DincludeScope=runtime"])
            .arg(format!("-DoutputDirectory={}", lib.display()))
            .status()
            .map_err(|error| format!("cannot start mvn: {error}"))?;
        if !status.success() {
            return Err(format!("mvn could not fetch Kafka's jars ({status})"));
        }
    }
    Ok(lib)
}

/// A running single-node broker, stopped when dropped.
#[derive(Debug)]
pub(crate) struct Broker {
    child: Child,
    /// `127.0.0.1:port` of its PLAINTEXT listener.
    pub(crate) bootstrap: String,
}

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|error| format!("no free port: {error}"))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|error| error.to_string())
}

fn properties(data: &Path, port: u16, controller: u16) -> String {
    format!(
        "process.roles=broker,controller\n\
         node.id=1\n\
         controller.quorum.voters=1@127.0.0.1:{controller}\n\
         listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}\n\
         advertised.listeners=PLAINTEXT://127.0.0.1:{port}\n\
         controller.listener.names=CONTROLLER\n\
         listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n\
         log.dirs={}\n\
         auto.create.topics.enable=false\n\
         offsets.topic.replication.factor=1\n\
         transaction.state.log.replication.factor=1\n\
         transaction.state.log.min.isr=1\n\
         group.initial.rebalance.delay.ms=0\n\
         file.delete.delay.ms=1000\n",
        data.display()
    )
}

impl Broker {
    /// Formats a fresh storage under `dir` and starts the broker, pinned to `cpu` if given; returns
    /// once its listener accepts connections.
    ///
    /// # Errors
    /// When the storage cannot be formatted, the JVM cannot start, or the listener is not up
    /// within 90 seconds (the log is in `dir/broker.log`).
    pub(crate) fn start(jars: &Path, dir: &Path, cpu: Option<usize>) -> Result<Broker, String> {
        if dir.exists() {
            fs::remove_dir_all(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
        }
        fs::create_dir_all(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
        let (port, controller) = (free_port()?, free_port()?);
        let config = dir.join("server.properties");
        fs::write(&config, properties(&dir.join("data"), port, controller))
            .map_err(|error| error.to_string())?;
        let classpath = format!("{}/*", jars.display());
        let format = Command::new("java")
            .args([
                "-cp",
                &classpath,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                CLUSTER_ID,
                "-c",
            ])
            .arg(&config)
            .output()
            .map_err(|error| format!("cannot start java: {error}"))?;
        if !format.status.success() {
            return Err(format!(
                "formatting the storage failed: {}",
                String::from_utf8_lossy(&format.stderr)
            ));
        }
        let log = fs::File::create(dir.join("broker.log")).map_err(|error| error.to_string())?;
        let log_err = log.try_clone().map_err(|error| error.to_string())?;
        let mut command = match cpu {
            Some(cpu) => {
                let mut taskset = Command::new("taskset");
                taskset.args(["-c", &cpu.to_string(), "java"]);
                taskset
            }
            None => Command::new("java"),
        };
        command
            .args(["-Xms1g", "-Xmx1g", "-cp", &classpath, "kafka.Kafka"])
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        let child = command
            .spawn()
            .map_err(|error| format!("cannot start the broker: {error}"))?;
        let mut broker = Broker {
            child,
            bootstrap: format!("127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        while TcpStream::connect(&broker.bootstrap).is_err() {
            if let Ok(Some(status)) = broker.child.try_wait() {
                return Err(format!(
                    "the broker exited ({status}); see {}/broker.log",
                    dir.display()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the broker did not listen within 90 s; see {}/broker.log",
                    dir.display()
                ));
            }
            sleep(Duration::from_millis(200));
        }
        Ok(broker)
    }
}

impl Drop for Broker {
    /// Asks the broker to stop (SIGTERM by its PID), and kills it if it is still there after 30 s.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            sleep(Duration::from_millis(200));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_pinned_version() {
        let version = super::kafka_version().unwrap();
        assert!(
            version.chars().next().is_some_and(|c| c.is_ascii_digit()),
            "{version}"
        );
    }

    #[test]
    fn properties_listen_on_loopback_only() {
        let text = super::properties(std::path::Path::new("/d"), 1, 2);
        assert!(text.contains("listeners=PLAINTEXT://127.0.0.1:1,CONTROLLER://127.0.0.1:2\n"));
        assert!(!text.contains("0.0.0.0"));
    }
}
