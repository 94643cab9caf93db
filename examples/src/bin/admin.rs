//! Topic and consumer group administration from the command line.
//!
//! ```text
//! admin [--bootstrap host:port] [--command-config FILE] [--property k=v]... COMMAND
//!   list                                  topics, one a line (internal ones marked)
//!   create TOPIC [--partitions N] [--replication-factor N] [--config k=v]...
//!   delete TOPIC...
//!   describe TOPIC...                     partitions, leaders, replicas, ISR, configs set
//!   cluster                               cluster id, controller, brokers
//!   groups list                           groups, one a line: id, protocol type, state, type
//!   groups describe GROUP...              state, protocol, members and their partitions
//!   groups delete GROUP...                groups without members, with their offsets
//!   groups offsets GROUP                  committed offsets: partition, offset, metadata
//!   groups lag GROUP                      partition, committed offset, end offset, lag
//! ```
//! The brokers come from `--bootstrap` or `FRANZL_BOOTSTRAP`; `RUST_LOG=debug` shows connects,
//! handshakes and metadata.

use franzl::Admin;
use franzl::admin::{ConfigSource, GroupMemberDescription, NewTopic};
use franzl::config::AdminConfig;
use franzl_examples::{common_args, init_logging};
use std::process::ExitCode;

fn main() -> ExitCode {
    init_logging();
    match smol::block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("admin: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let args = common_args(std::env::args().skip(1))?;
    let config = AdminConfig::from_properties(args.properties).map_err(|e| e.to_string())?;
    let mut rest = args.rest.into_iter();
    let command = rest
        .next()
        .ok_or("give a command: list, create, delete, describe, cluster, groups")?;
    let rest: Vec<String> = rest.collect();
    let admin = Admin::connect(config).await.map_err(|e| e.to_string())?;
    match command.as_str() {
        "list" => list(&admin).await,
        "create" => create(&admin, &rest).await,
        "delete" => {
            let names: Vec<&str> = rest.iter().map(String::as_str).collect();
            if names.is_empty() {
                return Err("delete: name the topics".into());
            }
            admin
                .delete_topics(&names)
                .await
                .map_err(|e| e.to_string())?;
            println!("deleted {}", names.join(", "));
            Ok(())
        }
        "describe" => describe(&admin, &rest).await,
        "cluster" => cluster(&admin).await,
        "groups" => groups(&admin, &rest).await,
        other => Err(format!("unknown command {other:?}")),
    }
}

async fn list(admin: &Admin) -> Result<(), String> {
    for topic in admin.list_topics().await.map_err(|e| e.to_string())? {
        let mark = if topic.internal { " (internal)" } else { "" };
        println!("{}{mark}", topic.name);
    }
    Ok(())
}

async fn create(admin: &Admin, args: &[String]) -> Result<(), String> {
    let mut args = args.iter();
    let name = args.next().ok_or("create: name the topic")?;
    let mut topic = NewTopic {
        name: name.clone(),
        partitions: None,
        replication_factor: None,
        configs: Vec::new(),
    };
    while let Some(option) = args.next() {
        let value = args.next().ok_or(format!("{option} needs a value"))?;
        match option.as_str() {
            "--partitions" => {
                topic.partitions = Some(value.parse().map_err(|_| "--partitions: a number")?);
            }
            "--replication-factor" => {
                topic.replication_factor = Some(
                    value
                        .parse()
                        .map_err(|_| "--replication-factor: a number")?,
                );
            }
            "--config" => {
                let (key, val) = value.split_once('=').ok_or("--config wants key=value")?;
                topic = topic.config(key, val);
            }
            other => return Err(format!("create: unknown option {other:?}")),
        }
    }
    admin.create_topic(topic).await.map_err(|e| e.to_string())?;
    println!("created {name}");
    Ok(())
}

async fn describe(admin: &Admin, names: &[String]) -> Result<(), String> {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    if names.is_empty() {
        return Err("describe: name the topics".into());
    }
    for (name, topic) in admin
        .describe_topics(&names)
        .await
        .map_err(|e| e.to_string())?
    {
        println!("{name}: {} partitions", topic.partitions.len());
        for p in &topic.partitions {
            println!(
                "  partition {} leader {} epoch {} replicas {:?} isr {:?}",
                p.partition, p.leader, p.leader_epoch, p.replicas, p.isr
            );
        }
        let configs = admin
            .describe_topic_config(&name)
            .await
            .map_err(|e| e.to_string())?;
        for config in configs.iter().filter(|c| c.source == ConfigSource::Topic) {
            println!(
                "  {} = {}",
                config.name,
                config.value.as_deref().unwrap_or("(hidden)")
            );
        }
    }
    Ok(())
}

async fn cluster(admin: &Admin) -> Result<(), String> {
    let description = admin.describe_cluster().await.map_err(|e| e.to_string())?;
    println!(
        "cluster {} controller {}",
        description.cluster_id.as_deref().unwrap_or("?"),
        description.controller_id
    );
    for broker in description.brokers {
        println!(
            "  broker {} at {}:{}",
            broker.node_id, broker.host, broker.port
        );
    }
    Ok(())
}

/// `groups list | describe G... | delete G... | offsets G | lag G`.
async fn groups(admin: &Admin, args: &[String]) -> Result<(), String> {
    let (command, names) = args
        .split_first()
        .ok_or("groups: give a command: list, describe, delete, offsets, lag")?;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let one_group = || match names.as_slice() {
        [group] => Ok(*group),
        _ => Err(format!("groups {command}: name one group")),
    };
    match command.as_str() {
        "list" => {
            for group in admin.list_groups().await.map_err(|e| e.to_string())? {
                println!(
                    "{} {} {} {}",
                    group.group_id,
                    or_dash(&group.protocol_type),
                    group.state.as_deref().unwrap_or("-"),
                    group.group_type.as_deref().unwrap_or("-")
                );
            }
        }
        "describe" => {
            if names.is_empty() {
                return Err("groups describe: name the groups".into());
            }
            for group in admin
                .describe_groups(&names)
                .await
                .map_err(|e| e.to_string())?
            {
                println!(
                    "{}: state {}, protocol type {}, protocol {}, {} members",
                    group.group_id,
                    group.state,
                    or_dash(&group.protocol_type),
                    or_dash(&group.protocol),
                    group.members.len()
                );
                for member in &group.members {
                    println!("  {}", describe_member(member));
                }
            }
        }
        "delete" => {
            if names.is_empty() {
                return Err("groups delete: name the groups".into());
            }
            admin
                .delete_groups(&names)
                .await
                .map_err(|e| e.to_string())?;
            println!("deleted {}", names.join(", "));
        }
        "offsets" => {
            let group = one_group()?;
            for committed in admin
                .list_group_offsets(group)
                .await
                .map_err(|e| e.to_string())?
            {
                let offset = committed.offset.map_or("-".into(), |o| o.to_string());
                let metadata = committed.metadata.unwrap_or_default();
                println!("{} {offset} {metadata:?}", committed.partition);
            }
        }
        "lag" => {
            let group = one_group()?;
            for lag in admin.group_lag(group).await.map_err(|e| e.to_string())? {
                let dash = |value: Option<i64>| value.map_or("-".into(), |v| v.to_string());
                let (committed, lag_value) = (dash(lag.committed), dash(lag.lag));
                println!("{} {committed} {} {lag_value}", lag.partition, lag.end);
            }
        }
        other => return Err(format!("groups: unknown command {other:?}")),
    }
    Ok(())
}

/// One line for a member: its ids, host and partitions (or why they cannot be shown).
fn describe_member(member: &GroupMemberDescription) -> String {
    let partitions = match &member.assignment {
        None => "(not a consumer group: assignment not decoded)".to_owned(),
        Some(Ok(assignment)) if assignment.partitions.is_empty() => "(no partitions)".to_owned(),
        Some(Ok(assignment)) => assignment
            .partitions
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" "),
        Some(Err(error)) => format!("(assignment: {error})"),
    };
    format!(
        "member {} instance {} client {} host {}: {partitions}",
        member.member_id,
        member.group_instance_id.as_deref().unwrap_or("-"),
        member.client_id,
        member.host
    )
}

/// `text`, or `-` when it is empty.
fn or_dash(text: &str) -> &str {
    if text.is_empty() { "-" } else { text }
}
