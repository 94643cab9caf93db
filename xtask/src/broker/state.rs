//! What a running profile records beside its nodes: the ports chosen at the first start (so a
//! restarted node gets the same addresses) and the bootstrap file.
//!
//! The ports file has one line per node: `id client internal controller client_auth proxied
//! proxy sasl_ssl` (files written before the later listeners existed lack the last fields, which then
//! default to `client`).

use std::net::TcpListener;

use super::config::NodePorts;
use super::error::{Error, Result};
use super::layout::ProfileLayout;

/// Where brokers' ports are chosen: below Linux's ephemeral range (32768-60999 by default),
/// so no client's outgoing connection holds a broker's port when a killed node restarts and
/// binds it again (with ports from the ephemeral range, a restart under load could fail with
/// "Address already in use").
const PORT_RANGE: std::ops::Range<u16> = 20_000..32_000;

/// Binds `count` free ports of [`PORT_RANGE`] on 127.0.0.1, starting from a place that differs
/// from process to process and from run to run.
fn bind_free_ports(count: usize) -> Result<Vec<TcpListener>> {
    let span = usize::from(PORT_RANGE.end - PORT_RANGE.start);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    let start = (std::process::id() as usize).wrapping_mul(7919) ^ nanos as usize;
    let mut listeners = Vec::with_capacity(count);
    for step in 0..span {
        if listeners.len() == count {
            break;
        }
        let offset = u16::try_from((start + step) % span).unwrap_or_default();
        if let Ok(listener) = TcpListener::bind(("127.0.0.1", PORT_RANGE.start + offset)) {
            listeners.push(listener);
        }
    }
    if listeners.len() < count {
        return Err(Error::new(format!(
            "only {} of {count} ports free on 127.0.0.1 in {PORT_RANGE:?}",
            listeners.len()
        )));
    }
    Ok(listeners)
}

/// Chooses free ports on 127.0.0.1 for every node of the profile.
///
/// All listeners are held open together so no port is handed out twice; they are closed before
/// the brokers bind them, which leaves a short window in which another program could take one.
pub(crate) fn choose_ports(layout: &ProfileLayout) -> Result<Vec<NodePorts>> {
    let profile = layout.profile();
    let per_node = 2
        + usize::from(profile.has_internal_listener())
        + usize::from(profile.has_second_client_listener())
        + 2 * usize::from(profile.has_proxied_listener())
        + usize::from(profile.has_sasl_ssl_listener());
    let count = profile.node_ids().count() * per_node;
    let listeners = bind_free_ports(count)?;
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
        .map(|(id, chunk)| {
            // client, [internal], [client_auth (MTLS or REAUTH)], [proxied, proxy], [sasl_ssl],
            // controller
            let mut extra = chunk[1..per_node - 1].iter().copied();
            let internal = if profile.has_internal_listener() {
                extra.next()
            } else {
                None
            };
            let client_auth = if profile.has_second_client_listener() {
                extra.next()
            } else {
                None
            };
            let (proxied, proxy) = if profile.has_proxied_listener() {
                (extra.next(), extra.next())
            } else {
                (None, None)
            };
            let sasl_ssl = if profile.has_sasl_ssl_listener() {
                extra.next()
            } else {
                None
            };
            NodePorts {
                id,
                client: chunk[0],
                internal: internal.unwrap_or(chunk[0]),
                client_auth: client_auth.unwrap_or(chunk[0]),
                controller: chunk[per_node - 1],
                proxied: proxied.unwrap_or(chunk[0]),
                proxy: proxy.unwrap_or(chunk[0]),
                sasl_ssl: sasl_ssl.unwrap_or(chunk[0]),
            }
        })
        .collect();
    Ok(nodes)
}

/// Writes the ports file.
pub(crate) fn write_ports(layout: &ProfileLayout, nodes: &[NodePorts]) -> Result<()> {
    let text: String = nodes
        .iter()
        .map(|n| {
            format!(
                "{} {} {} {} {} {} {} {}\n",
                n.id,
                n.client,
                n.internal,
                n.controller,
                n.client_auth,
                n.proxied,
                n.proxy,
                n.sasl_ssl
            )
        })
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
    let id = fields.next()?.parse().ok()?;
    let client = fields.next()?.parse().ok()?;
    let internal = fields.next()?.parse().ok()?;
    let controller = fields.next()?.parse().ok()?;
    let mut optional = || match fields.next() {
        Some(field) => field.parse().ok(),
        None => Some(client),
    };
    let client_auth = optional()?;
    let proxied = optional()?;
    let proxy = optional()?;
    let sasl_ssl = optional()?;
    let node = NodePorts {
        id,
        client,
        internal,
        client_auth,
        controller,
        proxied,
        proxy,
        sasl_ssl,
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
    fn ports_line_has_eight_numbers_or_fewer() {
        let node = parse_line("2 4001 4002 4003 4004").unwrap();
        assert_eq!(
            (
                node.id,
                node.client,
                node.internal,
                node.controller,
                node.client_auth
            ),
            (2, 4001, 4002, 4003, 4004)
        );
        assert_eq!((node.proxied, node.proxy), (4001, 4001));
        let node = parse_line("2 4001 4002 4003").unwrap();
        assert_eq!(node.client_auth, 4001);
        let node = parse_line("2 4001 4002 4003 4001 4005 4006").unwrap();
        assert_eq!((node.proxied, node.proxy), (4005, 4006));
        assert_eq!(node.sasl_ssl, 4001);
        let node = parse_line("2 4001 4002 4003 4004 4001 4001 4007").unwrap();
        assert_eq!(node.sasl_ssl, 4007);
        assert!(parse_line("2 4001 4002").is_none());
        assert!(parse_line("2 4001 4002 4003 4004 4005 4006 4007 9").is_none());
        assert!(parse_line("2 4001 4002 4003 4004 4005 70000").is_none());
        assert!(parse_line("2 4001 4002 70000").is_none());
        assert!(parse_line("2 4001 4002 4003 70000").is_none());
    }
}
