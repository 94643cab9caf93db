//! Decodes (and walks) the Metadata fixture a fixed number of times, for `perf stat`, whose
//! instruction and cycle counts stay comparable on a busy machine where wall time does not.
//!
//! Run: `perf stat -e instructions,cycles target/release/examples/decode_loop franzl 2000`
//! (or `kafka-protocol` instead of `franzl`).

use std::hint::black_box;

use bytes::Bytes;
use franzl_bench::{METADATA_VERSION, metadata_response, walk_metadata};
use franzl_core::messages::Message;
use franzl_core::messages::metadata::MetadataResponse;
use kafka_protocol::protocol::Decodable;

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "franzl".into());
    let rounds: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let value = metadata_response();
    let mut bytes = vec![0; value.encoded_len(METADATA_VERSION).expect("size")];
    value.encode(METADATA_VERSION, &mut bytes).expect("encode");
    let shared = Bytes::from(bytes.clone());
    let mut sum = 0i64;
    for _ in 0..rounds {
        sum += match which.as_str() {
            "franzl" => walk_metadata(
                &MetadataResponse::decode(METADATA_VERSION, black_box(&bytes)).expect("decode"),
            ),
            _ => {
                let m = kafka_protocol::messages::MetadataResponse::decode(
                    &mut black_box(shared.clone()),
                    METADATA_VERSION,
                )
                .expect("decode");
                m.topics
                    .iter()
                    .map(|t| {
                        t.partitions
                            .iter()
                            .map(|p| i64::from(p.leader_id.0))
                            .sum::<i64>()
                    })
                    .sum()
            }
        };
    }
    println!("{sum}");
}
