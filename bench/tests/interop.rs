//! franzl and the `kafka-protocol` crate agree on the benchmark fixtures' bytes, both ways.

use bytes::{Bytes, BytesMut};
use franzl_bench::{
    FETCH_VERSION, METADATA_VERSION, fetch_response, metadata_response, walk_fetch, walk_metadata,
};
use franzl_core::messages::Message;
use franzl_core::messages::fetch::FetchResponse;
use franzl_core::messages::metadata::MetadataResponse;
use kafka_protocol::protocol::{Decodable, Encodable};

#[test]
fn metadata_bytes_agree() {
    let value = metadata_response();
    let mut buf = vec![0; value.encoded_len(METADATA_VERSION).unwrap()];
    value.encode(METADATA_VERSION, &mut buf).unwrap();
    let kp = kafka_protocol::messages::MetadataResponse::decode(
        &mut Bytes::from(buf.clone()),
        METADATA_VERSION,
    )
    .unwrap();
    assert_eq!(kp.topics.len(), 10);
    assert_eq!(
        kp.topics.iter().map(|t| t.partitions.len()).sum::<usize>(),
        1000
    );
    let mut again = BytesMut::new();
    kp.encode(&mut again, METADATA_VERSION).unwrap();
    assert_eq!(&again[..], &buf[..]);
    assert_eq!(
        walk_metadata(&MetadataResponse::decode(METADATA_VERSION, &again).unwrap()),
        walk_metadata(&value)
    );
}

#[test]
fn fetch_bytes_agree() {
    let value = fetch_response();
    let mut buf = vec![0; value.encoded_len(FETCH_VERSION).unwrap()];
    value.encode(FETCH_VERSION, &mut buf).unwrap();
    let kp = kafka_protocol::messages::FetchResponse::decode(
        &mut Bytes::from(buf.clone()),
        FETCH_VERSION,
    )
    .unwrap();
    let mut again = BytesMut::new();
    kp.encode(&mut again, FETCH_VERSION).unwrap();
    assert_eq!(&again[..], &buf[..]);
    assert_eq!(
        walk_fetch(&FetchResponse::decode(FETCH_VERSION, &again).unwrap()),
        walk_fetch(&value)
    );
}
