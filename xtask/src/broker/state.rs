//! What a running profile records beside its nodes: the ports chosen at the first start (so a
//! restarted node gets the same addresses) and the bootstrap file.
//!
//! The ports file has one line per node: `id client internal controller`.

use std::net::TcpListener;

use super::config::NodePorts;
use super::error::{Error, Result};
use super::layout::ProfileLayout;

/// Chooses free ports on 127.0.0.1 for every node of the profile.
///
/// All listeners are held open together so no port is handed out twice; they are closed before
/// the brokers bind them, which leaves a short window in which another program could take one.
pub(crate) fn choose_ports(layout: &ProfileLayout) -> Result<Vec<NodePorts>> {
    let profile = layout.profile();
    let per_node = if profile.has_internal_listener() {
        3
    } else {
        2
    };
    let count = profile.node_ids().count() * per_node;
    let listeners = (0..count)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| Error::new(format!("cannot bind 127.0.0.1:0 to find a free port: {e}")))?;
    let mut ports = Vec::with_capacity(count);
    for listener in &listeners {
        let addr = listener
            .local_addr()
            .map_err(|e| Error::new(format!("cannot read a bound port: {e}")))?;
        ports.push(addr.port());
    }
    let nodes = profile
        .node_ids()
        .zip(ports.chunks(per_node))
        .map(|(id, chunk)| NodePorts {
            id,
            client: chunk[0],
            internal: if per_node == 3 { chunk[1] } else { chunk[0] },
            controller: chunk[per_node - 1],
        })
        .collect();
    Ok(nodes)
}

/// Writes the ports file.
pub(crate) fn write_ports(layout: &ProfileLayout, nodes: &[NodePorts]) -> Result<()> {
    let text: String = nodes
        .iter()
        .map(|n| format!("{} {} {} {}\n", n.id, n.client, n.internal, n.controller))
        .collect();
    let path = layout.ports_file();
    std::fs::write(&path, text).map_err(|e| Error::io("writing", &path, e))
}

/// Reads the ports file; `None` if the profile was never started or the file is damaged.
pub(crate) fn read_ports(layout: &ProfileLayout) -> Option<Vec<NodePorts>> {
    let text = std::fs::read_to_string(layout.ports_file()).ok()?;
    let nodes = text
        .lines()
        .map(parse_line)
        .collect::<Option<Vec<NodePorts>>>()?;
    let ids_match = nodes.iter().map(|n| n.id).eq(layout.profile().node_ids());
    ids_match.then_some(nodes)
}

fn parse_line(line: &str) -> Option<NodePorts> {
    let mut fields = line.split_whitespace();
    let node = NodePorts {
        id: fields.next()?.parse().ok()?,
        client: fields.next()?.parse().ok()?,
        internal: fields.next()?.parse().ok()?,
        controller: fields.next()?.parse().ok()?,
    };
    fields.next().is_none().then_some(node)
}

/// Writes the bootstrap file.
pub(crate) fn write_bootstrap(layout: &ProfileLayout, bootstrap: &str) -> Result<()> {
    let path = layout.bootstrap_file();
    std::fs::write(&path, format!("{bootstrap}\n")).map_err(|e| Error::io("writing", &path, e))
}

#[cfg(test)]
mod tests {
    use super::parse_line;

    #[test]
    fn ports_line_has_four_numbers() {
        let node = parse_line("2 4001 4002 4003").unwrap();
        assert_eq!(
            (node.id, node.client, node.internal, node.controller),
            (2, 4001, 4002, 4003)
        );
        assert!(parse_line("2 4001 4002").is_none());
        assert!(parse_line("2 4001 4002 4003 9").is_none());
        assert!(parse_line("2 4001 4002 70000").is_none());
    }
}
