//! franzl-codegen: reads Apache Kafka's JSON message definitions and writes franzl-core's
//! generated messages (`core/src/messages/generated/`), formatted with rustfmt.
//!
//! Usage: `cargo run -p franzl-codegen [-- [--check] [--input DIR] [--output DIR]]`.
//! Defaults: `../shared/kafka-protocol/4.3.1` beside the checkout, `core/src/messages/generated`, and
//! `core/src/error_code/table.rs` (`--errors-output FILE`) from `error_codes.tsv`.
//! `--check` writes nothing and exits with status 1 when the committed files differ from what
//! the definitions give; when the definitions folder is absent it says so and exits 0.

mod emit_api;
mod emit_errors;
mod emit_struct;
mod names;
mod plan;
mod spec;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use emit_api::{HEADER, emit_api_file, emit_api_key, emit_mod, pair};

struct Args {
    check: bool,
    input: PathBuf,
    output: PathBuf,
    errors_output: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace root")?
        .to_path_buf();
    let mut args = Args {
        check: false,
        input: root.join("../shared/kafka-protocol/4.3.1"),
        output: root.join("core/src/messages/generated"),
        errors_output: root.join("core/src/error_code/table.rs"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--check" => args.check = true,
            "--input" => args.input = it.next().ok_or("--input needs a folder")?.into(),
            "--output" => args.output = it.next().ok_or("--output needs a folder")?.into(),
            "--errors-output" => {
                args.errors_output = it.next().ok_or("--errors-output needs a file")?.into()
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// Every generated file: name → formatted content.
fn generate(input: &Path, rustfmt_config: &Path) -> Result<BTreeMap<String, String>, String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(input)
        .map_err(|e| format!("{}: {e}", input.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut messages = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(m) =
            spec::parse_message(&text).map_err(|e| format!("{}: {e}", path.display()))?
        {
            messages.push(m);
        }
    }
    let apis = pair(messages)?;
    let mut files = BTreeMap::new();
    for api in &apis {
        files.insert(format!("{}.rs", api.module()), emit_api_file(api)?);
    }
    files.insert("api_key.rs".into(), emit_api_key(&apis));
    files.insert("mod.rs".into(), emit_mod(&apis));
    files
        .into_iter()
        .map(|(name, text)| Ok((name, rustfmt(&text, rustfmt_config)?)))
        .collect()
}

fn rustfmt(text: &str, config: &Path) -> Result<String, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--config-path"])
        .arg(config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("rustfmt: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("rustfmt stdin")?
        .write_all(text.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err("rustfmt rejected the generated code".into());
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

fn run() -> Result<ExitCode, String> {
    let args = parse_args()?;
    if !args.input.is_dir() {
        let what = if args.check {
            "drift check skipped"
        } else {
            "nothing generated"
        };
        eprintln!("franzl-codegen: {} not found; {what}", args.input.display());
        return Ok(ExitCode::SUCCESS);
    }
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rustfmt.toml");
    let files = generate(&args.input, &config)?;
    let tsv_path = args.input.join("error_codes.tsv");
    let tsv =
        std::fs::read_to_string(&tsv_path).map_err(|e| format!("{}: {e}", tsv_path.display()))?;
    let errors = rustfmt(&emit_errors::emit_error_table(&tsv)?, &config)?;
    if args.check
        && std::fs::read_to_string(&args.errors_output).ok().as_deref() != Some(errors.as_str())
    {
        eprintln!(
            "franzl-codegen: generated error table differs: {}",
            args.errors_output.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    let existing: Vec<String> = std::fs::read_dir(&args.output)
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.ends_with(".rs"))
                .collect()
        })
        .unwrap_or_default();
    let stale: Vec<&String> = existing
        .iter()
        .filter(|n| !files.contains_key(*n))
        .collect();
    if args.check {
        let mut drift: Vec<String> = stale
            .iter()
            .map(|n| format!("{n} (not generated)"))
            .collect();
        for (name, text) in &files {
            if std::fs::read_to_string(args.output.join(name))
                .ok()
                .as_deref()
                != Some(text.as_str())
            {
                drift.push(name.clone());
            }
        }
        if drift.is_empty() {
            eprintln!("franzl-codegen: {} generated files up to date", files.len());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "franzl-codegen: generated files differ: {}",
            drift.join(", ")
        );
        return Ok(ExitCode::FAILURE);
    }
    std::fs::create_dir_all(&args.output).map_err(|e| e.to_string())?;
    for name in stale {
        let path = args.output.join(name);
        // Only remove what this generator wrote.
        if std::fs::read_to_string(&path).is_ok_and(|t| t.starts_with(HEADER)) {
            std::fs::remove_file(&path).map_err(|e| e.to_string())?;
        }
    }
    for (name, text) in &files {
        std::fs::write(args.output.join(name), text).map_err(|e| e.to_string())?;
    }
    if let Some(dir) = args.errors_output.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    std::fs::write(&args.errors_output, errors).map_err(|e| e.to_string())?;
    eprintln!(
        "franzl-codegen: wrote {} files to {}",
        files.len(),
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("franzl-codegen: {e}");
            ExitCode::FAILURE
        }
    }
}
