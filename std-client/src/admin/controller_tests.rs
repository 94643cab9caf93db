//! A scripted controller whose topic creation takes longer than the client's request timeout:
//! the admin client asks with a broker-side timeout the connection outlives, and a retry that
//! finds the topic created by its own earlier attempt counts it as created.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use franzl_core::ErrorCode;
use franzl_core::frame::RequestHeader;
use franzl_core::messages::create_topics::{
    CreatableTopicResult, CreateTopicsRequest, CreateTopicsResponse,
};
use franzl_core::messages::{ApiKey, Array, Message};
use franzl_core::wire::{Reader, Uuid};

use super::{Admin, NewTopic};
use crate::broker::scripted::{self, Script};
use crate::broker::tests::respond;
use crate::config::AdminConfig;

const SCRIPT: Script<'static> = Script {
    offers: &[
        (ApiKey::ApiVersions, 0, 3),
        (ApiKey::Metadata, 0, 12),
        (ApiKey::CreateTopics, 0, 7),
    ],
    finalized: None,
    topic: "t",
    topic_id: Uuid::ZERO,
    partitions: &[(0, 0)],
};

/// How long the controller takes to create a topic.
const CREATION: Duration = Duration::from_millis(1_500);
/// The client's `request.timeout.ms`.
const REQUEST_TIMEOUT: Duration = Duration::from_millis(1_000);

/// The controller's side: when the creation of `t` ends, and each CreateTopics asked
/// (topic names, `timeout_ms`).
#[derive(Default)]
struct Controller {
    created_at: Option<Instant>,
    asked: Vec<(Vec<String>, i32)>,
}

/// Answers one CreateTopics as a controller whose creation takes [`CREATION`] and that waits
/// at most the request's `timeout_ms` for it; a request after the first finds the topic
/// existing once the creation ends.
async fn answer_create_topics(
    stream: &mut async_net::TcpStream,
    header: &RequestHeader<'_>,
    body: &[u8],
    controller: &Mutex<Controller>,
) {
    let request = CreateTopicsRequest::decode(header.api_version, body).unwrap();
    let names: Vec<String> = request.topics.iter().map(|t| t.name.to_owned()).collect();
    let (done_at, creator) = {
        let mut controller = controller.lock().unwrap();
        controller.asked.push((names.clone(), request.timeout_ms));
        let creator = controller.created_at.is_none();
        let done_at = *controller
            .created_at
            .get_or_insert_with(|| Instant::now() + CREATION);
        (done_at, creator)
    };
    // Requests are taken in turn: a later one waits for the creation, then finds the topic.
    let waited = Duration::from_millis(u64::try_from(request.timeout_ms).unwrap_or(0));
    let answer_at = done_at.min(Instant::now() + waited);
    smol::Timer::at(answer_at).await;
    let code = if answer_at < done_at {
        ErrorCode::REQUEST_TIMED_OUT
    } else if creator {
        ErrorCode::NONE
    } else {
        ErrorCode::TOPIC_ALREADY_EXISTS
    };
    let results: Vec<CreatableTopicResult<'_>> = names
        .iter()
        .map(|name| CreatableTopicResult {
            name,
            error_code: code,
            ..Default::default()
        })
        .collect();
    let response = CreateTopicsResponse {
        topics: Array::from_slice(&results),
        ..Default::default()
    };
    respond(stream, header, &response).await;
}

#[test]
fn a_slow_creation_is_waited_for_on_the_same_connection_and_not_reported_as_existing() {
    smol::block_on(async {
        let controller = Arc::new(Mutex::new(Controller::default()));
        let port = scripted::start({
            let controller = Arc::clone(&controller);
            move |mut stream, port| {
                let controller = Arc::clone(&controller);
                async move {
                    while let Some(frame) = scripted::next_request(&mut stream).await {
                        let mut reader = Reader::new(&frame);
                        let header = RequestHeader::read(&mut reader).unwrap();
                        if scripted::answer_discovery(&mut stream, &header, port, &SCRIPT).await {
                            continue;
                        }
                        assert_eq!(header.api_key, ApiKey::CreateTopics.key());
                        answer_create_topics(&mut stream, &header, reader.rest(), &controller)
                            .await;
                    }
                }
            }
        })
        .await;
        let config = AdminConfig::from_properties([
            ("bootstrap.servers", format!("127.0.0.1:{port}")),
            (
                "request.timeout.ms",
                REQUEST_TIMEOUT.as_millis().to_string(),
            ),
            ("default.api.timeout.ms", "10000".to_owned()),
            ("retry.backoff.ms", "50".to_owned()),
        ])
        .unwrap();
        let admin = Admin::connect(config).await.unwrap();
        let started = Instant::now();
        admin.create_topic(NewTopic::new("t", 1, 1)).await.unwrap();
        assert!(
            started.elapsed() >= CREATION,
            "answered before the creation ended"
        );
        let asked = controller.lock().unwrap().asked.clone();
        assert!(
            asked.len() >= 2,
            "asked again after REQUEST_TIMED_OUT: {asked:?}"
        );
        for (names, timeout_ms) in &asked {
            assert_eq!(names, &["t"]);
            assert!(
                u128::try_from(*timeout_ms).unwrap() < REQUEST_TIMEOUT.as_millis(),
                "a broker-side timeout the connection does not outlive: {asked:?}"
            );
        }
    });
}
