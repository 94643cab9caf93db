//! `bench-measure PROGRAM ARGS...`: runs one client program and reports what it cost the machine.
//!
//! The program inherits this one's standard streams. When it has exited, one more JSON line goes to
//! standard output: `{"cpu_user_s":..,"cpu_sys_s":..,"max_rss_kib":..,"status":..}`, read from
//! `getrusage(RUSAGE_CHILDREN)`. This wrapper has exactly one child, so those are that program's own
//! figures (with any children it waited for), whatever else the caller runs at the same time. It
//! exits with the program's exit code (1 when the program was killed by a signal).

use std::process::{Command, ExitCode};

use nix::sys::resource::{UsageWho, getrusage};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(program) = args.next() else {
        eprintln!("usage: bench-measure PROGRAM ARGS...");
        return ExitCode::FAILURE;
    };
    let status = match Command::new(&program).args(args).status() {
        Ok(status) => status,
        Err(error) => {
            eprintln!("bench-measure: cannot start {program}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let usage = match getrusage(UsageWho::RUSAGE_CHILDREN) {
        Ok(usage) => usage,
        Err(error) => {
            eprintln!("bench-measure: getrusage: {error}");
            return ExitCode::FAILURE;
        }
    };
    let seconds =
        |time: nix::sys::time::TimeVal| time.tv_sec() as f64 + time.tv_usec() as f64 / 1e6;
    let code = status.code().unwrap_or(1);
    println!(
        "{{\"cpu_user_s\":{:.6},\"cpu_sys_s\":{:.6},\"max_rss_kib\":{},\"status\":{code}}}",
        seconds(usage.user_time()),
        seconds(usage.system_time()),
        usage.max_rss()
    );
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
