//! Emits one struct: its definition and `Default`, its `Item` impl (read, write, exact size),
//! and, for tests, its `Fill` impl.

use std::fmt::Write as _;

use crate::plan::{Cond, Ctx, FieldPlan, Segment, segments};
use crate::spec::Field;

/// Emits everything for the struct `name` with `fields`.
pub(crate) fn emit_struct(
    ctx: &Ctx<'_>,
    name: &str,
    doc: &str,
    fields: &[Field],
) -> Result<String, String> {
    let plans = fields
        .iter()
        .map(|f| ctx.plan(f))
        .collect::<Result<Vec<_>, _>>()?;
    let flexible = !ctx.flexible.is_empty();
    let mut tagged: Vec<&FieldPlan<'_>> = plans.iter().filter(|p| p.tagged.is_some()).collect();
    tagged.sort_by_key(|p| p.tagged.as_ref().map(|t| t.0));
    let known = known_tags_expr(ctx, &tagged);
    let mut out = String::new();
    emit_definition(&mut out, name, doc, &plans, flexible);
    emit_read(&mut out, &plans, &tagged, &known, flexible);
    emit_skip(&mut out, &plans, &tagged, &known, flexible);
    emit_write(&mut out, &plans, &tagged, &known, flexible);
    emit_len(&mut out, &plans, &tagged, &known, flexible);
    if flexible {
        out = guard_versions(&out, ctx.flexible.lo);
    }
    out.push_str("}\n\n");
    writeln!(out, "impl<'a> m::Nullable<'a> for {name}<'a> {{}}\n").unwrap();
    emit_fill(&mut out, name, &plans, flexible);
    Ok(out)
}

/// Starts each decoder and encoder with the check of `m::refuses`, so that a build with
/// `--cfg franzl_flexible_only` links no code for versions before `first_flexible`.
fn guard_versions(code: &str, first_flexible: i16) -> String {
    let mut out = String::with_capacity(code.len());
    for line in code.split_inclusive('\n') {
        // A skipper that ignored its version uses it now.
        out.push_str(&line.replace("_: m::Version", "v: m::Version"));
        let error = if line.contains("-> Result<(), w::DecodeError> {")
            || line.contains("-> Result<Self, w::DecodeError> {")
        {
            "DecodeError"
        } else if line.contains("fn write(&self, w: &mut w::Writer<'_>, v: m::Version)")
            || line.contains("fn wire_len(&self, v: m::Version)")
        {
            "EncodeError"
        } else {
            continue;
        };
        writeln!(
            out,
            "        if m::refuses(v.flexible, v.number, {first_flexible}) {{\n            return Err(w::{error}::UnsupportedVersion);\n        }}"
        )
        .unwrap();
    }
    out
}

fn field_doc(p: &FieldPlan<'_>) -> String {
    let f = p.field;
    let mut doc = format!(
        "`{}`, versions {}",
        f.name,
        range_text(f.versions.lo, f.versions.hi)
    );
    if let Some((tag, _)) = p.tagged {
        write!(doc, ", tag {tag}").unwrap();
    }
    if p.optional {
        write!(
            doc,
            ", nullable in {}",
            range_text(f.nullable.lo, f.nullable.hi)
        )
        .unwrap();
    }
    if f.ignorable {
        doc.push_str(", ignorable");
    }
    if let Some(default) = &f.default {
        write!(doc, ", default `{default}`").unwrap();
    }
    doc.push('.');
    doc
}

pub(crate) fn range_text(lo: i16, hi: i16) -> String {
    match (lo, hi) {
        (lo, i16::MAX) => format!("{lo}+"),
        (lo, hi) if lo == hi => format!("{lo}"),
        (lo, hi) => format!("{lo}-{hi}"),
    }
}

fn emit_definition(
    out: &mut String,
    name: &str,
    doc: &str,
    plans: &[FieldPlan<'_>],
    flexible: bool,
) {
    writeln!(out, "/// {doc}").unwrap();
    out.push_str("#[derive(Debug, Clone, Copy, PartialEq)]\n");
    out.push_str("#[cfg_attr(feature = \"defmt\", derive(defmt::Format))]\n");
    writeln!(out, "pub struct {name}<'a> {{").unwrap();
    for p in plans {
        writeln!(
            out,
            "    /// {}\n    pub {}: {},",
            field_doc(p),
            p.ident,
            p.rust_ty
        )
        .unwrap();
    }
    if flexible {
        out.push_str(
            "    /// Tagged fields this version of franzl does not know, kept as raw bytes.\n",
        );
        out.push_str("    pub unknown_tagged_fields: w::RawTaggedFields<'a>,\n");
    } else {
        out.push_str("    #[doc(hidden)]\n    pub _lifetime: core::marker::PhantomData<&'a ()>,\n");
    }
    out.push_str("}\n\n");
    writeln!(
        out,
        "impl Default for {name}<'_> {{\n    fn default() -> Self {{\n        Self {{"
    )
    .unwrap();
    for p in plans {
        writeln!(out, "            {}: {},", p.ident, p.default).unwrap();
    }
    if flexible {
        out.push_str("            unknown_tagged_fields: w::RawTaggedFields::EMPTY,\n");
    } else {
        out.push_str("            _lifetime: core::marker::PhantomData,\n");
    }
    out.push_str("        }\n    }\n}\n\n");
    writeln!(out, "impl<'a> m::Item<'a> for {name}<'a> {{").unwrap();
}

/// The tags known at each flexible version, as an expression of type `&'static [u32]`.
fn known_tags_expr(ctx: &Ctx<'_>, tagged: &[&FieldPlan<'_>]) -> String {
    let flex = ctx.flexible.intersect(ctx.valid);
    if flex.is_empty() || tagged.is_empty() {
        return "&[]".into();
    }
    let tags_at = |v: i16| -> Vec<u32> {
        tagged
            .iter()
            .filter(|p| p.field.versions.contains(v))
            .filter_map(|p| p.tagged.as_ref().map(|t| t.0))
            .collect()
    };
    let mut arms: Vec<(i16, i16, Vec<u32>)> = Vec::new();
    for v in flex.lo..=flex.hi.min(ctx.valid.hi) {
        let tags = tags_at(v);
        match arms.last_mut() {
            Some((_, hi, last)) if *last == tags => *hi = v,
            _ => arms.push((v, v, tags)),
        }
    }
    let list = |tags: &[u32]| format!("&{tags:?}");
    if let [(_, _, tags)] = arms.as_slice() {
        return list(tags);
    }
    let mut expr = String::from("match v.number {");
    for (lo, hi, tags) in &arms {
        write!(expr, " {lo}..={hi} => {},", list(tags)).unwrap();
    }
    expr.push_str(" _ => &[] }");
    expr
}

fn emit_read(
    out: &mut String,
    plans: &[FieldPlan<'_>],
    tagged: &[&FieldPlan<'_>],
    known: &str,
    flexible: bool,
) {
    out.push_str(
        "    #[inline]\n    fn read(r: &mut w::Reader<'a>, v: m::Version) -> Result<Self, w::DecodeError> {\n",
    );
    let mutable = if plans.is_empty() && !flexible {
        ""
    } else {
        "mut "
    };
    writeln!(out, "        let {mutable}s = Self::default();").unwrap();
    for segment in segments(plans) {
        match segment {
            Segment::One(p) => emit_read_field(out, p, "r"),
            Segment::Fixed(run) => {
                writeln!(
                    out,
                    "        {{\n        let c = &mut w::Reader::new(r.take({})?);",
                    Segment::fixed_len(&run)
                )
                .unwrap();
                for p in run {
                    emit_read_field(out, p, "c");
                }
                out.push_str("        }\n");
            }
        }
    }
    if flexible {
        writeln!(
            out,
            "        if v.flexible {{\n            let known: &'static [u32] = {known};"
        )
        .unwrap();
        if tagged.is_empty() {
            out.push_str("            s.unknown_tagged_fields = w::RawTaggedFields::read_section(r, known, |_, _| Ok(()))?;\n");
        } else {
            out.push_str("            s.unknown_tagged_fields = w::RawTaggedFields::read_section(r, known, |tag, r| {\n");
            if let [p] = tagged {
                let tag = p.tagged.as_ref().map_or(0, |t| t.0);
                writeln!(
                    out,
                    "                if tag == {tag} {{ s.{} = m::Item::read(r, v)?; }}",
                    p.ident
                )
                .unwrap();
            } else {
                out.push_str("                match tag {\n");
                for p in tagged {
                    let tag = p.tagged.as_ref().map_or(0, |t| t.0);
                    writeln!(
                        out,
                        "                    {tag} => s.{} = m::Item::read(r, v)?,",
                        p.ident
                    )
                    .unwrap();
                }
                out.push_str("                    _ => {}\n                }\n");
            }
            out.push_str("                Ok(())\n            })?;\n");
        }
        out.push_str("        }\n");
    }
    out.push_str("        Ok(s)\n    }\n\n");
}

fn emit_read_field(out: &mut String, p: &FieldPlan<'_>, r: &str) {
    let value = if p.optional && p.nullable != Cond::Always {
        format!(
            "if {} {{ m::Item::read({r}, v)? }} else {{ Some(m::Item::read({r}, v)?) }}",
            p.nullable.expr()
        )
    } else {
        format!("m::Item::read({r}, v)?")
    };
    match &p.regular {
        Cond::Never => {}
        Cond::Always => writeln!(out, "        s.{} = {value};", p.ident).unwrap(),
        Cond::Expr(e) => writeln!(out, "        if {e} {{ s.{} = {value}; }}", p.ident).unwrap(),
    }
}

fn emit_skip(
    out: &mut String,
    plans: &[FieldPlan<'_>],
    tagged: &[&FieldPlan<'_>],
    known: &str,
    flexible: bool,
) {
    let start = out.len();
    out.push_str(
        "    #[inline]\n    fn skip(r: &mut w::Reader<'a>, v: m::Version) -> Result<(), w::DecodeError> {\n",
    );
    let skip = |ty: &str| format!("<{ty} as m::Item<'a>>::skip(r, v)?");
    for segment in segments(plans) {
        let p = match segment {
            Segment::One(p) => p,
            Segment::Fixed(run) => {
                writeln!(out, "        r.take({})?;", Segment::fixed_len(&run)).unwrap();
                continue;
            }
        };
        let value = if p.optional && p.nullable != Cond::Always {
            format!(
                "if {} {{ {}; }} else {{ {}; }}",
                p.nullable.expr(),
                skip(&p.rust_ty),
                skip(&p.base_ty)
            )
        } else {
            format!("{};", skip(&p.rust_ty))
        };
        match &p.regular {
            Cond::Never => {}
            Cond::Always => writeln!(out, "        {value}").unwrap(),
            Cond::Expr(e) => writeln!(out, "        if {e} {{ {value} }}").unwrap(),
        }
    }
    if flexible {
        writeln!(
            out,
            "        if v.flexible {{\n            let known: &'static [u32] = {known};"
        )
        .unwrap();
        if tagged.is_empty() {
            out.push_str(
                "            w::RawTaggedFields::read_section(r, known, |_, _| Ok(()))?;\n",
            );
        } else {
            if let [p] = tagged {
                // Only known tags reach the closure, and there is one.
                let call = skip(&p.rust_ty);
                let call = call.trim_end_matches('?');
                writeln!(
                    out,
                    "            w::RawTaggedFields::read_section(r, known, |_, r| {call})?;"
                )
                .unwrap();
            } else {
                out.push_str("            w::RawTaggedFields::read_section(r, known, |tag, r| {\n                match tag {\n");
                for p in tagged {
                    let tag = p.tagged.as_ref().map_or(0, |t| t.0);
                    writeln!(out, "                    {tag} => {},", skip(&p.rust_ty)).unwrap();
                }
                out.push_str("                    _ => {}\n                }\n                Ok(())\n            })?;\n");
            }
        }
        out.push_str("        }\n");
    }
    if !out[start..].contains("v)") && !out[start..].contains("v.") {
        let fixed = out[start..].replacen("v: m::Version", "_: m::Version", 1);
        out.truncate(start);
        out.push_str(&fixed);
    }
    out.push_str("        Ok(())\n    }\n\n");
}

fn emit_write(
    out: &mut String,
    plans: &[FieldPlan<'_>],
    tagged: &[&FieldPlan<'_>],
    known: &str,
    flexible: bool,
) {
    out.push_str("    fn write(&self, w: &mut w::Writer<'_>, v: m::Version) -> Result<(), w::EncodeError> {\n");
    for p in plans {
        let write = if p.optional && p.nullable != Cond::Always {
            format!(
                "if {} {{ m::Item::write(&self.{id}, w, v)?; }} else {{ m::Item::write(&self.{id}.unwrap_or_default(), w, v)?; }}",
                p.nullable.expr(),
                id = p.ident
            )
        } else {
            format!("m::Item::write(&self.{}, w, v)?;", p.ident)
        };
        match &p.regular {
            Cond::Never => {}
            Cond::Always => writeln!(out, "        {write}").unwrap(),
            Cond::Expr(e) => writeln!(out, "        if {e} {{ {write} }}").unwrap(),
        }
    }
    if flexible && tagged.is_empty() {
        out.push_str(
            "        if v.flexible {\n            self.unknown_tagged_fields.write_section(w)?;\n        }\n",
        );
    } else if flexible {
        writeln!(
            out,
            "        if v.flexible {{\n            let known: &'static [u32] = {known};"
        )
        .unwrap();
        out.push_str("            let unknown = &self.unknown_tagged_fields;\n");
        out.push_str("            let mut count = unknown.count_excluding(known);\n");
        for p in tagged {
            writeln!(
                out,
                "            let has_{id} = {};",
                has_tagged(p),
                id = p.ident
            )
            .unwrap();
            writeln!(out, "            count += usize::from(has_{});", p.ident).unwrap();
        }
        out.push_str("            w.put_uvarint(u32::try_from(count).map_err(|_| w::EncodeError::TooLong)?)?;\n");
        let mut from = 0u64;
        for p in tagged {
            let tag = p.tagged.as_ref().map_or(0, |t| t.0);
            writeln!(
                out,
                "            unknown.write_range(w, {from}, {tag}, known)?;"
            )
            .unwrap();
            writeln!(
                out,
                "            if has_{id} {{ m::put_tagged(w, v, {tag}, &self.{id})?; }}",
                id = p.ident
            )
            .unwrap();
            from = u64::from(tag) + 1;
        }
        writeln!(
            out,
            "            unknown.write_range(w, {from}, u64::MAX, known)?;"
        )
        .unwrap();
        out.push_str("        }\n");
    }
    out.push_str("        Ok(())\n    }\n\n");
}

/// Whether a tagged field is written: its version carries it and it is not the default.
fn has_tagged(p: &FieldPlan<'_>) -> String {
    let not_default = match p.default.as_str() {
        "false" => format!("self.{}", p.ident),
        "true" => format!("!self.{}", p.ident),
        "None" => format!("self.{}.is_some()", p.ident),
        default => format!("self.{} != {default}", p.ident),
    };
    match p.tagged.as_ref().map(|t| &t.1) {
        Some(Cond::Expr(e)) => format!("{e} && {not_default}"),
        Some(Cond::Never) | None => "false".into(),
        Some(Cond::Always) => not_default,
    }
}

fn emit_len(
    out: &mut String,
    plans: &[FieldPlan<'_>],
    tagged: &[&FieldPlan<'_>],
    known: &str,
    flexible: bool,
) {
    out.push_str("    fn wire_len(&self, v: m::Version) -> Result<usize, w::EncodeError> {\n");
    let any = plans.iter().any(|p| p.regular != Cond::Never) || flexible;
    writeln!(
        out,
        "        let {}n = 0usize;",
        if any { "mut " } else { "" }
    )
    .unwrap();
    for p in plans {
        let name = &p.field.name;
        let size = if p.optional && p.nullable != Cond::Always {
            format!(
                "if {} {{ m::Item::wire_len(&self.{id}, v)? }} else {{ m::Item::wire_len(&m::non_null(self.{id}, &{name:?})?, v)? }}",
                p.nullable.expr(),
                id = p.ident
            )
        } else {
            format!("m::Item::wire_len(&self.{}, v)?", p.ident)
        };
        let absent = format!("m::absent(&self.{}, &{}, &{name:?})?;", p.ident, p.default);
        // Where a field can be carried: regular versions, or tagged versions.
        let carried = match (&p.regular, p.tagged.as_ref().map(|t| &t.1)) {
            (Cond::Never, Some(c)) => c.clone(),
            (c, _) => c.clone(),
        };
        if p.tagged.is_none() {
            match &carried {
                Cond::Never => {}
                Cond::Always => writeln!(out, "        n = n.saturating_add({size});").unwrap(),
                Cond::Expr(e) => {
                    write!(out, "        if {e} {{ n = n.saturating_add({size}); }}").unwrap();
                    if !p.field.ignorable {
                        write!(out, " else {{ {absent} }}").unwrap();
                    }
                    out.push('\n');
                }
            }
        }
        if !p.field.ignorable {
            match &carried {
                Cond::Never => writeln!(out, "        {absent}").unwrap(),
                Cond::Expr(_) if p.tagged.is_some() => {
                    writeln!(out, "        if {} {{ {absent} }}", carried.negated()).unwrap();
                }
                _ => {}
            }
        }
    }
    if flexible && tagged.is_empty() {
        out.push_str("        if v.flexible {\n            n = n.saturating_add(self.unknown_tagged_fields.section_len()?);\n");
        out.push_str(
            "        } else if self.unknown_tagged_fields != w::RawTaggedFields::EMPTY {\n",
        );
        out.push_str("            return Err(w::EncodeError::FieldNotInVersion { field: &\"unknown tagged fields\" });\n");
        out.push_str("        }\n");
    } else if flexible {
        writeln!(
            out,
            "        if v.flexible {{\n            let known: &'static [u32] = {known};"
        )
        .unwrap();
        out.push_str("            let unknown = &self.unknown_tagged_fields;\n");
        out.push_str("            let mut count = unknown.count_excluding(known);\n");
        out.push_str("            let mut body = unknown.len_excluding(known);\n");
        for p in tagged {
            let tag = p.tagged.as_ref().map_or(0, |t| t.0);
            writeln!(
                out,
                "            if {} {{ count += 1; body = body.saturating_add(m::tagged_len(v, {tag}, &self.{})?); }}",
                has_tagged(p),
                p.ident
            )
            .unwrap();
        }
        out.push_str(
            "            let count = u32::try_from(count).map_err(|_| w::EncodeError::TooLong)?;\n",
        );
        out.push_str(
            "            n = n.saturating_add(w::uvarint_len(count)).saturating_add(body);\n",
        );
        out.push_str(
            "        } else if self.unknown_tagged_fields != w::RawTaggedFields::EMPTY {\n",
        );
        out.push_str("            return Err(w::EncodeError::FieldNotInVersion { field: &\"unknown tagged fields\" });\n");
        out.push_str("        }\n");
    }
    out.push_str("        Ok(n)\n    }\n");
}

fn emit_fill(out: &mut String, name: &str, plans: &[FieldPlan<'_>], flexible: bool) {
    out.push_str("#[cfg(test)]\n");
    writeln!(out, "impl m::fill::Fill for {name}<'static> {{").unwrap();
    out.push_str("    fn fill(g: &mut m::fill::Gen, v: m::Version) -> Self {\n");
    let mutable = if plans.is_empty() && !flexible {
        ""
    } else {
        "mut "
    };
    writeln!(out, "        let {mutable}s = Self::default();").unwrap();
    for p in plans {
        let carried = match (&p.regular, p.tagged.as_ref().map(|t| &t.1)) {
            (Cond::Never, Some(c)) => c.clone(),
            (c, _) => c.clone(),
        };
        let value = if p.optional && p.nullable != Cond::Always {
            format!(
                "if {} {{ m::fill::Fill::fill(g, v) }} else {{ Some(m::fill::Fill::fill(g, v)) }}",
                p.nullable.expr()
            )
        } else {
            "m::fill::Fill::fill(g, v)".into()
        };
        match &carried {
            Cond::Never => {}
            Cond::Always => writeln!(out, "        s.{} = {value};", p.ident).unwrap(),
            Cond::Expr(e) => {
                writeln!(out, "        if {e} {{ s.{} = {value}; }}", p.ident).unwrap()
            }
        }
    }
    if flexible {
        out.push_str("        s.unknown_tagged_fields = g.unknown_tagged(v);\n");
    }
    out.push_str("        s\n    }\n}\n\n");
}
