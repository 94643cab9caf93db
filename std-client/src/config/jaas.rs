//! A reader for `sasl.jaas.config`, the Java client's way to give SASL credentials.
//!
//! Accepted: exactly one entry, `<module> <flag> [option=value ...];`, where the module is
//! Kafka's `PlainLoginModule` or `ScramLoginModule` (package name optional), the flag one of
//! `required`, `requisite`, `sufficient`, `optional`, and the options `username` and `password`.
//! Values are bare words or double-quoted strings in which `\x` stands for `x`. Other modules
//! (Kerberos, OAUTHBEARER) and other options (such as SCRAM's `tokenauth`) are refused. The
//! text holds a password, so errors never repeat it.

use super::{ConfigError, Secret};

const PROPERTY: &str = "sasl.jaas.config";
const EXPECTED: &str =
    "`<PlainLoginModule|ScramLoginModule> required username=\"...\" password=\"...\";`";

/// The login modules franzl understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginModule {
    /// `org.apache.kafka.common.security.plain.PlainLoginModule`: SASL PLAIN.
    Plain,
    /// `org.apache.kafka.common.security.scram.ScramLoginModule`: SCRAM-SHA-256/512.
    Scram,
}

impl LoginModule {
    /// The module's Java class name, without its package.
    pub(crate) const fn class_name(self) -> &'static str {
        match self {
            Self::Plain => "PlainLoginModule",
            Self::Scram => "ScramLoginModule",
        }
    }
}

/// What a `sasl.jaas.config` value says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JaasLogin {
    pub(crate) module: LoginModule,
    pub(crate) username: String,
    pub(crate) password: Secret,
}

#[derive(Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Equals,
    Semicolon,
}

fn invalid() -> ConfigError {
    ConfigError::invalid(PROPERTY, "", EXPECTED)
}

fn tokenize(text: &str) -> Result<Vec<Token>, ConfigError> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '=' => {
                chars.next();
                tokens.push(Token::Equals);
            }
            ';' => {
                chars.next();
                tokens.push(Token::Semicolon);
            }
            '"' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next().ok_or_else(invalid)? {
                        '"' => break,
                        '\\' => value.push(chars.next().ok_or_else(invalid)?),
                        other => value.push(other),
                    }
                }
                tokens.push(Token::Quoted(value));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '=' | ';' | '"') {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

fn login_module(name: &str) -> Result<LoginModule, ConfigError> {
    match name {
        "PlainLoginModule" | "org.apache.kafka.common.security.plain.PlainLoginModule" => {
            Ok(LoginModule::Plain)
        }
        "ScramLoginModule" | "org.apache.kafka.common.security.scram.ScramLoginModule" => {
            Ok(LoginModule::Scram)
        }
        _ => Err(ConfigError::unsupported(
            PROPERTY,
            "only Kafka's PlainLoginModule and ScramLoginModule are supported",
        )),
    }
}

/// Parses a `sasl.jaas.config` value.
///
/// # Errors
/// [`ConfigError::UnsupportedProperty`] for another login module or option;
/// [`ConfigError::InvalidValue`] (value hidden) for any other fault.
pub(crate) fn parse_jaas_config(text: &str) -> Result<JaasLogin, ConfigError> {
    let tokens = tokenize(text)?;
    let mut tokens = tokens.into_iter();
    let Some(Token::Word(module)) = tokens.next() else {
        return Err(invalid());
    };
    let module = login_module(&module)?;
    match tokens.next() {
        Some(Token::Word(flag))
            if ["required", "requisite", "sufficient", "optional"]
                .iter()
                .any(|known| flag.eq_ignore_ascii_case(known)) => {}
        _ => return Err(invalid()),
    }
    let (mut username, mut password) = (None, None);
    loop {
        match tokens.next() {
            Some(Token::Semicolon) => break,
            Some(Token::Word(key)) => {
                let (Some(Token::Equals), Some(Token::Word(value) | Token::Quoted(value))) =
                    (tokens.next(), tokens.next())
                else {
                    return Err(invalid());
                };
                match key.as_str() {
                    "username" => username = Some(value),
                    "password" => password = Some(Secret::from(value)),
                    _ => {
                        return Err(ConfigError::unsupported(
                            PROPERTY,
                            "only the options `username` and `password` are supported",
                        ));
                    }
                }
            }
            _ => return Err(invalid()),
        }
    }
    if tokens.next().is_some() {
        // A second entry, or text after the `;`.
        return Err(invalid());
    }
    match (username, password) {
        (Some(username), Some(password)) => Ok(JaasLogin {
            module,
            username,
            password,
        }),
        _ => Err(ConfigError::invalid(
            PROPERTY,
            "",
            "both `username` and `password` options",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_and_scram_entries() {
        let plain = parse_jaas_config(
            "org.apache.kafka.common.security.plain.PlainLoginModule required \
             username=\"alice\" password=\"al\\\"ice-secret\";",
        )
        .unwrap();
        assert_eq!(plain.module, LoginModule::Plain);
        assert_eq!(plain.username, "alice");
        assert_eq!(plain.password.expose(), "al\"ice-secret");

        let scram = parse_jaas_config(
            "  org.apache.kafka.common.security.scram.ScramLoginModule REQUIRED\n\
             username=bob\n password=\"p w;=\" ; ",
        )
        .unwrap();
        assert_eq!(scram.module, LoginModule::Scram);
        assert_eq!(scram.username, "bob");
        assert_eq!(scram.password.expose(), "p w;=");
        assert_eq!(
            parse_jaas_config("ScramLoginModule required username=a password=b;")
                .unwrap()
                .module,
            LoginModule::Scram
        );
    }

    #[test]
    fn refuses_other_modules_and_options() {
        for text in [
            "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;",
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;",
            "com.example.PlainLoginModule required username=a password=b;",
            "ScramLoginModule required username=a password=b tokenauth=true;",
        ] {
            assert!(
                matches!(
                    parse_jaas_config(text),
                    Err(ConfigError::UnsupportedProperty { .. })
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_malformed_entries_without_echoing_them() {
        for text in [
            "",
            "PlainLoginModule username=a password=secret1;",
            "PlainLoginModule required username=a password=secret1",
            "PlainLoginModule required username=a password=\"secret1;",
            "PlainLoginModule required username=a password=secret1; PlainLoginModule required;",
            "PlainLoginModule required username password=secret1;",
            "PlainLoginModule required password=secret1;",
        ] {
            let error = parse_jaas_config(text).unwrap_err();
            assert!(
                matches!(error, ConfigError::InvalidValue { value: None, .. }),
                "{text}"
            );
            assert!(!error.to_string().contains("secret1"));
        }
    }
}
