//! What the franzl examples share: finding the brokers (`--bootstrap` or `FRANZL_BOOTSTRAP`),
//! extra client properties (`--command-config FILE`, `--property k=v`), and a small stderr
//! logger driven by `RUST_LOG` (`error`, `warn`, `info`, `debug`, `trace`; `trace` includes the
//! hex dumps of `franzl.hex.dump=true`); the line a consuming example prints per record; and
//! the `main` of an example that parses its arguments and then runs ([`run_main`]).

use std::io::Write;

/// Command-line arguments with the common options taken out.
#[derive(Debug, Default)]
pub struct CommonArgs {
    /// `host:port[,host:port...]`.
    pub bootstrap: String,
    /// Client properties: from `--command-config`, then each `--property`, in order.
    pub properties: Vec<(String, String)>,
    /// The arguments left for the example itself.
    pub rest: Vec<String>,
}

/// Reads the common options from `args` (without the program name).
///
/// # Errors
/// A message for the user: an option without its value, an unreadable file, no bootstrap.
pub fn common_args(args: impl IntoIterator<Item = String>) -> Result<CommonArgs, String> {
    let mut parsed = CommonArgs {
        bootstrap: std::env::var("FRANZL_BOOTSTRAP").unwrap_or_default(),
        ..CommonArgs::default()
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--bootstrap" | "--bootstrap-server" => parsed.bootstrap = value(&arg)?,
            "--command-config" => {
                let path = value(&arg)?;
                let text = std::fs::read_to_string(&path)
                    .map_err(|error| format!("cannot read {path}: {error}"))?;
                let pairs = franzl::config::parse_properties(&text)
                    .map_err(|error| format!("{path}: {error}"))?;
                parsed.properties.extend(pairs);
            }
            "--property" => {
                let pair = value(&arg)?;
                let (key, val) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("--property wants key=value, not {pair:?}"))?;
                parsed.properties.push((key.to_owned(), val.to_owned()));
            }
            _ => parsed.rest.push(arg),
        }
    }
    if parsed.bootstrap.is_empty() {
        return Err("give the brokers with --bootstrap host:port or FRANZL_BOOTSTRAP".into());
    }
    parsed
        .properties
        .insert(0, ("bootstrap.servers".into(), parsed.bootstrap.clone()));
    Ok(parsed)
}

/// Writes `record` as one line: partition, offset, key and value, separated by tabs (a null
/// key or value prints as nothing), as `consume` and `group-consume` print them.
///
/// # Errors
/// Writing to `out` failed.
pub fn write_record(
    out: &mut impl Write,
    record: &franzl::consumer::ConsumerRecord,
) -> std::io::Result<()> {
    let text =
        |bytes: Option<&[u8]>| String::from_utf8_lossy(bytes.unwrap_or_default()).into_owned();
    writeln!(
        out,
        "{}\t{}\t{}\t{}",
        record.partition(),
        record.offset(),
        text(record.key()),
        text(record.value())
    )
}

/// An example's `main`: installs the logger, parses the arguments with `parse` (a message and
/// exit status 2 when they do not read), then runs `run` with them on smol (its error printed
/// after the example's `name`, and exit status 1).
pub fn run_main<A, F, E>(
    name: &str,
    parse: impl FnOnce() -> Result<A, String>,
    run: impl FnOnce(A) -> F,
) -> std::process::ExitCode
where
    F: std::future::Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    init_logging();
    let args = match parse() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return std::process::ExitCode::from(2);
        }
    };
    match smol::block_on(run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{name}: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Installs the stderr logger at the level `RUST_LOG` names (`warn` when unset).
pub fn init_logging() {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|text| text.parse::<log::LevelFilter>().ok())
        .unwrap_or(log::LevelFilter::Warn);
    if log::set_logger(&STDERR_LOGGER).is_ok() {
        log::set_max_level(level);
    }
}

struct StderrLogger;

static STDERR_LOGGER: StderrLogger = StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let _ = writeln!(
                std::io::stderr().lock(),
                "{:5} {}: {}",
                record.level(),
                record.target(),
                record.args()
            );
        }
    }

    fn flush(&self) {}
}
