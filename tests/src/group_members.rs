//! A consumer group's members as the Java tools see them: `kafka-consumer-groups --describe
//! --members --verbose`, read into [`Member`]s with their partitions, and a long-running Java
//! console consumer in a group ([`java_group_consumer`]).

use std::collections::BTreeSet;
use std::process::Command;

use franzl::consumer::TopicPartition;

use crate::java_tools;
use crate::processes::Process;

/// One member row of the tool's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member id the coordinator gave.
    pub consumer_id: String,
    /// The member's `client.id`.
    pub client_id: String,
    /// The partitions assigned to it.
    pub partitions: BTreeSet<TopicPartition>,
}

/// What the tool said of a group.
#[derive(Debug, Clone, Default)]
pub struct Description {
    /// The member rows.
    pub members: Vec<Member>,
    /// The tool warned that the group is rebalancing.
    pub rebalancing: bool,
    /// The tool's whole output, for messages.
    pub text: String,
}

impl Description {
    /// The member whose `client.id` is `client_id`.
    pub fn member(&self, client_id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.client_id == client_id)
    }
}

/// Runs `kafka-consumer-groups --describe --group group --members --verbose` against the
/// plain-profile `bootstrap` and reads its member rows.
///
/// # Panics
/// The tool fails, or prints a member row that does not read.
pub fn describe(bootstrap: &str, group: &str) -> Description {
    let run = describe_tool(bootstrap, group, &["--members", "--verbose"]);
    let text = format!("{}{}", run.stdout, run.stderr);
    Description {
        members: members(&run.stdout),
        rebalancing: text.contains("is rebalancing"),
        text,
    }
}

/// The member rows of the tool's table: a header line naming the columns (`CONSUMER-ID`,
/// `CLIENT-ID`, `CURRENT-ASSIGNMENT`, ...), then one line per member, every field one word
/// (`-` when empty); an assignment reads `topic:0,1,2` (several topics are read as separated by
/// `;`; the tests here give a group one topic).
fn members(stdout: &str) -> Vec<Member> {
    let mut lines = stdout.lines().skip_while(|l| !l.contains("CONSUMER-ID"));
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let columns: Vec<&str> = header.split_whitespace().collect();
    let column = |names: &[&str]| {
        columns
            .iter()
            .position(|c| names.contains(c))
            .unwrap_or_else(|| panic!("no {names:?} column in {header:?}"))
    };
    let id = column(&["CONSUMER-ID"]);
    let client = column(&["CLIENT-ID"]);
    let assignment = column(&["CURRENT-ASSIGNMENT", "ASSIGNMENT"]);
    lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(fields.len(), columns.len(), "member row {line:?}");
            Member {
                consumer_id: fields[id].to_owned(),
                client_id: fields[client].to_owned(),
                partitions: partitions(fields[assignment]),
            }
        })
        .collect()
}

/// `topic:0,1;other:2` (or `-`) as partitions.
fn partitions(text: &str) -> BTreeSet<TopicPartition> {
    let mut found = BTreeSet::new();
    for topic_list in text.split(';').filter(|t| *t != "-" && !t.is_empty()) {
        let (topic, numbers) = topic_list
            .rsplit_once(':')
            .unwrap_or_else(|| panic!("assignment {text:?}"));
        for number in numbers.split(',') {
            let partition = number
                .parse()
                .unwrap_or_else(|_| panic!("partition {number:?} in {text:?}"));
            found.insert(TopicPartition::new(topic, partition));
        }
    }
    found
}

/// The assignor the group chose (`ASSIGNMENT-STRATEGY` of `--describe --state`), `None` while
/// it has none.
///
/// # Panics
/// The tool fails.
pub fn strategy(bootstrap: &str, group: &str) -> Option<String> {
    let run = describe_tool(bootstrap, group, &["--state"]);
    let mut lines = run
        .stdout
        .lines()
        .skip_while(|l| !l.contains("ASSIGNMENT-STRATEGY"));
    let header: Vec<&str> = lines.next()?.split_whitespace().collect();
    let at = header.iter().position(|c| *c == "ASSIGNMENT-STRATEGY")?;
    // The coordinator column is two words in the header and the row: `host:port  (id)`.
    let row: Vec<&str> = lines.next()?.split_whitespace().collect();
    let value = row.get(at)?;
    (!value.is_empty() && *value != "-").then(|| (*value).to_owned())
}

/// `kafka-consumer-groups --describe --group group` with `more` arguments, run to success.
fn describe_tool(bootstrap: &str, group: &str, more: &[&str]) -> java_tools::ToolRun {
    let args = [
        "--bootstrap-server",
        bootstrap,
        "--describe",
        "--group",
        group,
    ];
    let run = java_tools::run("consumer-groups", &[&args[..], more].concat(), None, "");
    assert!(
        run.success,
        "consumer-groups --describe {more:?} failed: {run:?}"
    );
    run
}

/// The Java console consumer as a member of `group` reading `topic` from the earliest offset
/// (when the group has no commit), with `client.id` `client_id` and the assignor whose Java
/// class is `assignor`; it prints each record's value on a line of its own.
///
/// # Panics
/// The tool cannot be prepared or started.
pub fn java_group_consumer(
    bootstrap: &str,
    group: &str,
    topic: &str,
    client_id: &str,
    assignor: &str,
) -> Process {
    let assignor = format!("partition.assignment.strategy={assignor}");
    java_group_consumer_with(bootstrap, group, topic, client_id, &[&assignor])
}

/// As [`java_group_consumer`], with the consumer properties `properties` (`name=value`)
/// instead of an assignor (`group.protocol=consumer` takes none).
///
/// # Panics
/// The tool cannot be prepared or started.
pub fn java_group_consumer_with(
    bootstrap: &str,
    group: &str,
    topic: &str,
    client_id: &str,
    properties: &[&str],
) -> Process {
    let mut command: Command = xtask::broker::tool_command("console-consumer")
        .unwrap_or_else(|error| panic!("cannot prepare the console consumer: {error}"));
    command.args([
        "--bootstrap-server",
        bootstrap,
        "--topic",
        topic,
        "--group",
        group,
    ]);
    command.arg("--from-beginning");
    command.args(["--command-property", &format!("client.id={client_id}")]);
    for property in properties {
        command.args(["--command-property", property]);
    }
    Process::start(client_id, &mut command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_rows_read_with_their_partitions() {
        let out = "\nGROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS CURRENT-EPOCH \
                   CURRENT-ASSIGNMENT TARGET-EPOCH TARGET-ASSIGNMENT\n\
                   g m-1 /127.0.0.1 franzl-0 3 - t:0,1;u:2 - -\n\
                   g m-2 /127.0.0.1 java 0 - - - -\n";
        let rows = members(out);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].client_id, "franzl-0");
        let expected: BTreeSet<TopicPartition> = [("t", 0), ("t", 1), ("u", 2)]
            .into_iter()
            .map(|(t, p)| TopicPartition::new(t, p))
            .collect();
        assert_eq!(rows[0].partitions, expected);
        assert!(rows[1].partitions.is_empty());
    }
}
