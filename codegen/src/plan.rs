//! What the emitter needs to know about each field at the versions of its message: when it is
//! on the wire, whether it is tagged or nullable there, its Rust type and default.

use std::collections::HashMap;

use crate::names::field_name;
use crate::spec::{Field, Type, Versions};

/// A version condition, simplified against the message's valid versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cond {
    Always,
    Never,
    /// A Rust boolean expression over `v.number`.
    Expr(String),
}

impl Cond {
    pub(crate) fn of(range: Versions, valid: Versions) -> Self {
        let r = range.intersect(valid);
        if r.is_empty() {
            Self::Never
        } else if r == valid {
            Self::Always
        } else if r.lo <= valid.lo {
            Self::Expr(format!("v.number <= {}", r.hi))
        } else if r.hi >= valid.hi {
            Self::Expr(format!("v.number >= {}", r.lo))
        } else {
            Self::Expr(format!("({}..={}).contains(&v.number)", r.lo, r.hi))
        }
    }

    /// The negated expression.
    pub(crate) fn negated(&self) -> String {
        match self {
            Self::Always => "false".into(),
            Self::Never => "true".into(),
            Self::Expr(e) => {
                if let Some(n) = e.strip_prefix("v.number >= ") {
                    format!("v.number < {n}")
                } else if let Some(n) = e.strip_prefix("v.number <= ") {
                    format!("v.number > {n}")
                } else {
                    format!("!{e}")
                }
            }
        }
    }

    /// The expression, for `Expr`; `true`/`false` otherwise.
    pub(crate) fn expr(&self) -> String {
        match self {
            Self::Always => "true".into(),
            Self::Never => "false".into(),
            Self::Expr(e) => e.clone(),
        }
    }
}

/// Names and defaults shared by every struct of one message file.
pub(crate) struct Ctx<'m> {
    pub(crate) valid: Versions,
    pub(crate) flexible: Versions,
    /// Definition struct name → Rust struct name.
    pub(crate) structs: &'m HashMap<String, String>,
}

/// One field, planned.
pub(crate) struct FieldPlan<'f> {
    pub(crate) field: &'f Field,
    pub(crate) ident: String,
    /// When it is a regular (untagged) field on the wire.
    pub(crate) regular: Cond,
    /// Its tag and when it is in the tagged section.
    pub(crate) tagged: Option<(u32, Cond)>,
    /// True when some version allows null: the Rust type is an `Option`.
    pub(crate) optional: bool,
    /// When, among the versions it is present, null is allowed.
    pub(crate) nullable: Cond,
    pub(crate) rust_ty: String,
    /// The Rust type without the `Option`.
    pub(crate) base_ty: String,
    pub(crate) default: String,
}

impl Ctx<'_> {
    pub(crate) fn plan<'f>(&self, field: &'f Field) -> Result<FieldPlan<'f>, String> {
        let present = field.versions.intersect(self.valid);
        let (regular, tagged) = match field.tag {
            None => (Cond::of(present, self.valid), None),
            Some((tag, tagged)) => {
                if tagged.intersect(present) != present {
                    return Err(format!(
                        "{}: tagged in only some of its versions",
                        field.name
                    ));
                }
                (
                    Cond::Never,
                    Some((tag, Cond::of(present.intersect(self.flexible), self.valid))),
                )
            }
        };
        let nullable_range = field.nullable.intersect(present);
        let optional = !nullable_range.is_empty();
        let nullable = if nullable_range == present {
            Cond::Always
        } else {
            Cond::of(nullable_range, self.valid)
        };
        if optional && tagged.is_some() && nullable != Cond::Always {
            return Err(format!(
                "{}: tagged and nullable in only some versions",
                field.name
            ));
        }
        let base = if is_error_code(field) {
            ERROR_CODE_TYPE.into()
        } else {
            self.base_type(&field.ty)?
        };
        let rust_ty = if optional {
            format!("Option<{base}>")
        } else {
            base.clone()
        };
        let default = self.default_expr(field, optional)?;
        Ok(FieldPlan {
            field,
            ident: field_name(&field.name),
            regular,
            tagged,
            optional,
            nullable,
            rust_ty,
            base_ty: base,
            default,
        })
    }

    pub(crate) fn struct_name(&self, name: &str) -> Result<&str, String> {
        self.structs
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("unknown struct type {name}"))
    }

    fn base_type(&self, ty: &Type) -> Result<String, String> {
        Ok(match ty {
            Type::Int8 => "i8".into(),
            Type::Int16 => "i16".into(),
            Type::Uint16 => "u16".into(),
            Type::Int32 => "i32".into(),
            Type::Int64 => "i64".into(),
            Type::Float64 => "f64".into(),
            Type::Bool => "bool".into(),
            Type::Uuid => "w::Uuid".into(),
            Type::String => "&'a str".into(),
            Type::Bytes | Type::Records => "&'a [u8]".into(),
            Type::Struct(name) => format!("{}<'a>", self.struct_name(name)?),
            Type::Array(inner) => format!("m::Array<'a, {}>", self.base_type(inner)?),
        })
    }

    fn default_expr(&self, field: &Field, optional: bool) -> Result<String, String> {
        let given = field.default.as_deref();
        let is_null = given == Some("null");
        let wrap = |value: String| {
            if optional {
                format!("Some({value})")
            } else {
                value
            }
        };
        if optional && (is_null || (given.is_none() && field.ty == Type::Records)) {
            return Ok("None".into());
        }
        if is_error_code(field) {
            let code =
                parse_int(given.unwrap_or("0")).map_err(|e| format!("{}: {e}", field.name))?;
            return Ok(wrap(format!("{ERROR_CODE_TYPE}({code})")));
        }
        Ok(match &field.ty {
            Type::Int8 | Type::Int16 | Type::Uint16 | Type::Int32 | Type::Int64 => {
                parse_int(given.unwrap_or("0"))
                    .map_err(|e| format!("{}: {e}", field.name))?
                    .to_string()
            }
            Type::Float64 => {
                let value: f64 = given
                    .unwrap_or("0")
                    .parse()
                    .map_err(|e| format!("{}: {e}", field.name))?;
                format!("{value:?}")
            }
            Type::Bool => match given.unwrap_or("false") {
                "true" => "true".into(),
                "false" => "false".into(),
                other => return Err(format!("{}: bad bool default {other}", field.name)),
            },
            Type::Uuid => "w::Uuid::ZERO".into(),
            Type::String => wrap(format!(
                "{:?}",
                if is_null { "" } else { given.unwrap_or("") }
            )),
            Type::Bytes | Type::Records => wrap("&[]".into()),
            Type::Array(_) => wrap("m::Array::EMPTY".into()),
            Type::Struct(name) => wrap(format!("{}::default()", self.struct_name(name)?)),
        })
    }
}

/// The Rust type of a Kafka error code field.
const ERROR_CODE_TYPE: &str = "crate::ErrorCode";

/// Whether `field` holds a Kafka error code (`ErrorCode`, `PartitionErrorCode`, ...): an `int16`
/// whose name ends in `ErrorCode`. Such fields are typed [`ERROR_CODE_TYPE`]; the wire format is
/// the same `i16`.
fn is_error_code(field: &Field) -> bool {
    field.ty == Type::Int16 && field.name.ends_with("ErrorCode")
}

/// The wire size of a field type whose size never varies.
pub(crate) fn fixed_size(ty: &Type) -> Option<usize> {
    Some(match ty {
        Type::Int8 | Type::Bool => 1,
        Type::Int16 | Type::Uint16 => 2,
        Type::Int32 => 4,
        Type::Int64 | Type::Float64 => 8,
        Type::Uuid => 16,
        _ => return None,
    })
}

/// Consecutive fields, or a run of fixed-size ones that decoders take in one bounds check.
pub(crate) enum Segment<'p, 'f> {
    One(&'p FieldPlan<'f>),
    Fixed(Vec<&'p FieldPlan<'f>>),
}

impl Segment<'_, '_> {
    /// The byte count of a fixed run, as an expression over `v.number`.
    pub(crate) fn fixed_len(plans: &[&FieldPlan<'_>]) -> String {
        let mut constant = 0;
        // Sizes under the same condition are added up.
        let mut terms: Vec<(String, usize)> = Vec::new();
        for p in plans {
            let size = fixed_size(&p.field.ty).unwrap_or(0);
            match &p.regular {
                Cond::Always => constant += size,
                Cond::Expr(e) => match terms.iter_mut().find(|(c, _)| c == e) {
                    Some((_, total)) => *total += size,
                    None => terms.push((e.clone(), size)),
                },
                Cond::Never => {}
            }
        }
        let mut parts: Vec<String> = Vec::new();
        if constant > 0 || terms.is_empty() {
            parts.push(constant.to_string());
        }
        parts.extend(
            terms
                .into_iter()
                .map(|(e, size)| format!("(if {e} {{ {size} }} else {{ 0 }})")),
        );
        match parts.as_slice() {
            [one] => one.trim_start_matches('(').trim_end_matches(')').to_owned(),
            _ => parts.join(" + "),
        }
    }
}

/// Groups the regular fields: runs of two or more fixed-size, non-nullable fields become one
/// segment.
pub(crate) fn segments<'p, 'f>(plans: &'p [FieldPlan<'f>]) -> Vec<Segment<'p, 'f>> {
    let mut out = Vec::new();
    let mut run: Vec<&FieldPlan<'f>> = Vec::new();
    let flush = |run: &mut Vec<&'p FieldPlan<'f>>, out: &mut Vec<Segment<'p, 'f>>| {
        match run.len() {
            0 => {}
            1 => out.push(Segment::One(run[0])),
            _ => out.push(Segment::Fixed(std::mem::take(run))),
        }
        run.clear();
    };
    for p in plans.iter().filter(|p| p.regular != Cond::Never) {
        if !p.optional && fixed_size(&p.field.ty).is_some() {
            run.push(p);
        } else {
            flush(&mut run, &mut out);
            out.push(Segment::One(p));
        }
    }
    flush(&mut run, &mut out);
    out
}

fn parse_int(text: &str) -> Result<i64, String> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let value = match digits.strip_prefix("0x") {
        Some(hex) => i64::from_str_radix(hex, 16),
        None => digits.parse(),
    }
    .map_err(|e| format!("bad integer default {text}: {e}"))?;
    Ok(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_simplify_against_valid_versions() {
        let valid = Versions { lo: 0, hi: 12 };
        assert_eq!(
            Cond::of(
                Versions {
                    lo: 0,
                    hi: i16::MAX
                },
                valid
            ),
            Cond::Always
        );
        assert_eq!(
            Cond::of(
                Versions {
                    lo: 3,
                    hi: i16::MAX
                },
                valid
            ),
            Cond::Expr("v.number >= 3".into())
        );
        assert_eq!(
            Cond::of(Versions { lo: 0, hi: 4 }, valid),
            Cond::Expr("v.number <= 4".into())
        );
        assert_eq!(
            Cond::of(Versions { lo: 2, hi: 4 }, valid),
            Cond::Expr("(2..=4).contains(&v.number)".into())
        );
        assert_eq!(Cond::of(Versions::NONE, valid), Cond::Never);
    }

    #[test]
    fn integer_defaults() {
        assert_eq!(parse_int("0x7fffffff"), Ok(0x7fff_ffff));
        assert_eq!(parse_int("-2147483648"), Ok(-2_147_483_648));
        assert_eq!(parse_int("-1"), Ok(-1));
    }
}
