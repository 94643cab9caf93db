//! The `broker` and `kafka-tool` commands of `cargo xtask`: argument parsing and printing around
//! [`xtask::broker`].

use std::process::ExitStatus;

use xtask::broker::{self, Profile};

/// `cargo xtask broker up|down|status --profile P` (`--profile all` for down and status).
pub(crate) fn broker(args: &[String]) -> Result<(), String> {
    let (action, profiles) = parse_broker_args(args)?;
    match action {
        "up" => {
            let [profile] = profiles[..] else {
                return Err("`broker up` takes one profile".into());
            };
            let broker = broker::up(profile).map_err(|e| e.to_string())?;
            let pids: Vec<String> = broker.nodes.iter().map(|n| n.pid.to_string()).collect();
            eprintln!(
                "xtask: {profile} is up (pid {}), files in {}",
                pids.join(" "),
                broker.dir.display()
            );
            println!("{}", broker.bootstrap());
            Ok(())
        }
        "down" => {
            for profile in profiles {
                let stopped = broker::down(profile).map_err(|e| e.to_string())?;
                for (id, pid) in stopped {
                    eprintln!("xtask: stopped {profile} node {id} (pid {pid})");
                }
            }
            Ok(())
        }
        "status" => {
            for profile in profiles {
                for node in broker::status(profile) {
                    let pid = node
                        .pid
                        .map_or("down".to_string(), |pid| format!("pid {pid}"));
                    let addr = node.address.map_or("-".to_string(), |a| a.to_string());
                    println!("{profile} node {}: {pid}, {addr}", node.id);
                }
            }
            Ok(())
        }
        other => Err(format!(
            "unknown broker action `{other}` (up, down, status)"
        )),
    }
}

fn parse_broker_args(args: &[String]) -> Result<(&str, Vec<Profile>), String> {
    let usage = "usage: cargo xtask broker up|down|status --profile plain|sasl|tls|cluster3|all";
    let [action, flag, name] = args else {
        return Err(usage.into());
    };
    if flag != "--profile" {
        return Err(usage.into());
    }
    let profiles = if name == "all" && action != "up" {
        Profile::ALL.to_vec()
    } else {
        vec![name.parse::<Profile>()?]
    };
    Ok((action.as_str(), profiles))
}

/// `cargo xtask kafka-tool NAME ARGS...`: runs the tool and exits with its status.
pub(crate) fn kafka_tool(args: &[String]) -> Result<ExitStatus, String> {
    let Some((name, tool_args)) = args.split_first() else {
        let names: Vec<&str> = broker::TOOLS.iter().map(|(name, _)| *name).collect();
        return Err(format!(
            "usage: cargo xtask kafka-tool NAME ARGS... ({})",
            names.join(", ")
        ));
    };
    let mut command = broker::tool_command(name).map_err(|e| e.to_string())?;
    command
        .args(tool_args)
        .status()
        .map_err(|e| format!("cannot run java: {e}"))
}
