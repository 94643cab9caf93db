//! The message definitions as read from Kafka's JSON files: only facts (names, types, versions,
//! tags, defaults), never the `about` prose.

use serde_json::Value;

/// An inclusive version range; `lo > hi` is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Versions {
    pub(crate) lo: i16,
    pub(crate) hi: i16,
}

impl Versions {
    pub(crate) const NONE: Self = Self { lo: 1, hi: 0 };

    /// Parses `"none"`, `"3"`, `"3+"` or `"1-4"`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let num = |s: &str| {
            s.trim()
                .parse::<i16>()
                .map_err(|e| format!("bad version {text:?}: {e}"))
        };
        if text == "none" {
            Ok(Self::NONE)
        } else if let Some(lo) = text.strip_suffix('+') {
            Ok(Self {
                lo: num(lo)?,
                hi: i16::MAX,
            })
        } else if let Some((lo, hi)) = text.split_once('-') {
            Ok(Self {
                lo: num(lo)?,
                hi: num(hi)?,
            })
        } else {
            let v = num(text)?;
            Ok(Self { lo: v, hi: v })
        }
    }

    pub(crate) fn is_empty(self) -> bool {
        self.lo > self.hi
    }

    pub(crate) fn contains(self, v: i16) -> bool {
        self.lo <= v && v <= self.hi
    }

    pub(crate) fn intersect(self, other: Self) -> Self {
        Self {
            lo: self.lo.max(other.lo),
            hi: self.hi.min(other.hi),
        }
    }
}

/// A field's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Type {
    Int8,
    Int16,
    Uint16,
    Int32,
    Int64,
    Float64,
    Bool,
    Uuid,
    String,
    Bytes,
    Records,
    Struct(String),
    Array(Box<Type>),
}

impl Type {
    fn parse(text: &str) -> Self {
        if let Some(inner) = text.strip_prefix("[]") {
            return Self::Array(Box::new(Self::parse(inner)));
        }
        match text {
            "int8" => Self::Int8,
            "int16" => Self::Int16,
            "uint16" => Self::Uint16,
            "int32" => Self::Int32,
            "int64" => Self::Int64,
            "float64" => Self::Float64,
            "bool" => Self::Bool,
            "uuid" => Self::Uuid,
            "string" => Self::String,
            "bytes" => Self::Bytes,
            "records" => Self::Records,
            other => Self::Struct(other.to_owned()),
        }
    }
}

/// One field of a struct.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) ty: Type,
    pub(crate) versions: Versions,
    pub(crate) nullable: Versions,
    /// The tag and the versions in which the field is tagged.
    pub(crate) tag: Option<(u32, Versions)>,
    pub(crate) ignorable: bool,
    pub(crate) default: Option<String>,
    /// The inline struct this field's type names, if it defines one.
    pub(crate) fields: Option<Vec<Field>>,
}

/// A named struct (inline or common) with its fields.
#[derive(Debug, Clone)]
pub(crate) struct StructDef {
    pub(crate) name: String,
    pub(crate) fields: Vec<Field>,
}

/// Whether a definition is a request or a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Request,
    Response,
}

/// One message definition file.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub(crate) api_key: i16,
    pub(crate) kind: Kind,
    pub(crate) name: String,
    pub(crate) valid: Versions,
    pub(crate) flexible: Versions,
    pub(crate) listeners: Vec<String>,
    pub(crate) latest_unstable: bool,
    pub(crate) fields: Vec<Field>,
    pub(crate) common: Vec<StructDef>,
}

/// Drops whole-line `//` comments, which the JSON parser does not accept.
pub(crate) fn strip_comments(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

fn versions_of(v: &Value, key: &str) -> Result<Option<Versions>, String> {
    str_of(v, key).map(Versions::parse).transpose()
}

fn parse_fields(v: &Value) -> Result<Vec<Field>, String> {
    let Some(list) = v.get("fields").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    list.iter().map(parse_field).collect()
}

fn parse_field(v: &Value) -> Result<Field, String> {
    let name = str_of(v, "name").ok_or("field without name")?.to_owned();
    let ty = Type::parse(str_of(v, "type").ok_or_else(|| format!("{name}: no type"))?);
    let versions = versions_of(v, "versions")?.ok_or_else(|| format!("{name}: no versions"))?;
    let nullable = versions_of(v, "nullableVersions")?.unwrap_or(Versions::NONE);
    let tag = match v.get("tag").and_then(Value::as_u64) {
        None => None,
        Some(tag) => {
            let tagged = versions_of(v, "taggedVersions")?.unwrap_or(versions);
            Some((u32::try_from(tag).map_err(|e| e.to_string())?, tagged))
        }
    };
    let ignorable = v.get("ignorable").and_then(Value::as_bool).unwrap_or(false);
    let default = v.get("default").map(|d| match d {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let fields = v.get("fields").map(|_| parse_fields(v)).transpose()?;
    Ok(Field {
        name,
        ty,
        versions,
        nullable,
        tag,
        ignorable,
        default,
        fields,
    })
}

/// Parses one definition file's text; `None` for definitions that are not requests or responses
/// (headers, records, embedded data).
pub(crate) fn parse_message(text: &str) -> Result<Option<Message>, String> {
    let v: Value = serde_json::from_str(&strip_comments(text)).map_err(|e| e.to_string())?;
    let name = str_of(&v, "name").ok_or("no name")?.to_owned();
    let kind = match str_of(&v, "type") {
        Some("request") => Kind::Request,
        Some("response") => Kind::Response,
        _ => return Ok(None),
    };
    let api_key = v
        .get("apiKey")
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("{name}: no apiKey"))?;
    let common = match v.get("commonStructs").and_then(Value::as_array) {
        None => Vec::new(),
        Some(list) => list
            .iter()
            .map(|s| {
                let name = str_of(s, "name")
                    .ok_or("common struct without name")?
                    .to_owned();
                Ok(StructDef {
                    name,
                    fields: parse_fields(s)?,
                })
            })
            .collect::<Result<_, String>>()?,
    };
    Ok(Some(Message {
        api_key: i16::try_from(api_key).map_err(|e| e.to_string())?,
        kind,
        valid: versions_of(&v, "validVersions")?
            .ok_or_else(|| format!("{name}: no validVersions"))?,
        flexible: versions_of(&v, "flexibleVersions")?.unwrap_or(Versions::NONE),
        listeners: v
            .get("listeners")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        latest_unstable: v
            .get("latestVersionUnstable")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        fields: parse_fields(&v)?,
        common,
        name,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ranges() {
        assert_eq!(
            Versions::parse("3+"),
            Ok(Versions {
                lo: 3,
                hi: i16::MAX
            })
        );
        assert_eq!(Versions::parse("1-4"), Ok(Versions { lo: 1, hi: 4 }));
        assert_eq!(Versions::parse("0"), Ok(Versions { lo: 0, hi: 0 }));
        assert!(Versions::parse("none").unwrap().is_empty());
    }

    #[test]
    fn comments_are_stripped() {
        let text = "// licence\n{\n  // note\n  \"a\": 1\n}";
        assert_eq!(strip_comments(text), "{\n  \"a\": 1\n}");
    }
}
