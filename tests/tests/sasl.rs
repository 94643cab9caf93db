//! The sasl profile accepts each of its mechanisms with the test users, and rejects a wrong
//! password with an authentication error.

use std::path::PathBuf;

use franzl_tests::java_tools::{create_topic, run};
use franzl_tests::{Profile, SaslMechanism, broker, unique_topic};

fn accepted(mechanism: SaslMechanism) {
    let broker = broker(Profile::Sasl);
    let config = broker
        .sasl_client_properties(mechanism)
        .expect("sasl profile");
    let topic = unique_topic(&format!("sasl-{}", mechanism.name()));
    // Creating a topic needs an authenticated session: the tool fails otherwise.
    create_topic(&broker.bootstrap(), Some(&config), &topic, 1);
}

#[test]
fn plain_is_accepted() {
    accepted(SaslMechanism::Plain);
}

#[test]
fn scram_sha_256_is_accepted() {
    accepted(SaslMechanism::ScramSha256);
}

#[test]
fn scram_sha_512_is_accepted() {
    accepted(SaslMechanism::ScramSha512);
}

fn rejects_wrong_password(mechanism: SaslMechanism) {
    let broker = broker(Profile::Sasl);
    let good = broker
        .sasl_client_properties(mechanism)
        .expect("sasl profile");
    let text = std::fs::read_to_string(&good).expect("client config");
    let user = mechanism.user();
    let wrong_text = text.replace(
        &format!("password=\"{}\"", user.password),
        "password=\"not-the-password\"",
    );
    assert_ne!(text, wrong_text, "the config names the test password");
    let wrong = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{}.properties", unique_topic("wrong-password")));
    std::fs::write(&wrong, wrong_text).expect("write config");

    let args = ["--bootstrap-server", &broker.bootstrap(), "--list"];
    let run = run("topics", &args, Some(&wrong), "");
    let _ = std::fs::remove_file(&wrong);
    assert!(!run.success, "a wrong password was accepted: {run:?}");
    let output = format!("{}{}", run.stdout, run.stderr);
    assert!(
        output.contains("SaslAuthenticationException"),
        "expected an authentication error: {run:?}"
    );
}

#[test]
fn plain_rejects_wrong_password() {
    rejects_wrong_password(SaslMechanism::Plain);
}

#[test]
fn scram_rejects_wrong_password() {
    rejects_wrong_password(SaslMechanism::ScramSha256);
}
