//! Topic administration from the command line.
//!
//! ```text
//! admin [--bootstrap host:port] [--command-config FILE] [--property k=v]... COMMAND
//!   list                                  topics, one a line (internal ones marked)
//!   create TOPIC [--partitions N] [--replication-factor N] [--config k=v]...
//!   delete TOPIC...
//!   describe TOPIC...                     partitions, leaders, replicas, ISR, configs set
//!   cluster                               cluster id, controller, brokers
//! ```
//! The brokers come from `--bootstrap` or `FRANZL_BOOTSTRAP`; `RUST_LOG=debug` shows connects,
//! handshakes and metadata.

use franzl::Admin;
use franzl::admin::{ConfigSource, NewTopic};
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
        .ok_or("give a command: list, create, delete, describe, cluster")?;
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
