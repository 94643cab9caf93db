//! The property tables: for each kind of client, every property it accepts (with its aliases,
//! default, meaning and setter) and every property it refuses on purpose (with why).
//!
//! The tables are the one source of truth. The builders' `set` looks properties up in them
//! ([`Table::apply`]), and the property reference in the config types' rustdoc
//! (`reference/*.md`, included with `#[doc = include_str!(...)]`) is rendered from them by
//! [`Table::render`]; a unit test fails when a committed file differs from its rendering and
//! says how to regenerate it. Other tests check each documented default against the built
//! defaults, each alias against its property, and that every accepted property changes the
//! built configuration or is documented as having no effect.

use super::ConfigError;

/// One accepted property. Outside tests only `name`, `aliases` and `set` are read; the rest is
/// for the rendered reference.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Property<B: 'static> {
    /// The name used in the reference (the Java client's, where it has one).
    pub(crate) name: &'static str,
    /// Other names read the same way (librdkafka's, mostly).
    pub(crate) aliases: &'static [&'static str],
    /// The value used when the property is not given.
    pub(crate) default: DefaultValue,
    /// What the property does and which values it takes, in one or two sentences.
    pub(crate) meaning: &'static str,
    /// `Some(why)` for a property accepted (at one value only) for compatibility that does not
    /// change anything franzl does; `None` for a property that acts.
    pub(crate) no_effect: Option<&'static str>,
    /// Reads a value into the builder; gets the name as given (an alias, maybe) for errors.
    pub(crate) set: fn(&mut B, &str, &str) -> Result<(), ConfigError>,
}

/// A property's default, as the reference shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DefaultValue {
    /// This value, written as the property is written; setting it changes nothing (a test
    /// checks so).
    Value(&'static str),
    /// No value; the text says what happens without one.
    Unset(&'static str),
}

/// Properties refused on purpose, all for one reason.
pub(crate) struct Refused {
    /// The refused names.
    pub(crate) names: &'static [&'static str],
    /// Why, or what to use instead (the [`ConfigError::UnsupportedProperty`] reason).
    pub(crate) reason: &'static str,
}

/// The properties of one kind of client.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Table<B: 'static> {
    /// What the rendered reference says first (Markdown).
    pub(crate) intro: &'static str,
    /// Accepted properties, in the order of the reference.
    pub(crate) properties: &'static [Property<B>],
    /// Properties refused on purpose.
    pub(crate) refused: &'static [Refused],
}

impl<B> Table<B> {
    /// The accepted property named `property` (by its name or an alias).
    pub(crate) fn find(&self, property: &str) -> Option<&Property<B>> {
        self.properties
            .iter()
            .find(|p| p.name == property || p.aliases.contains(&property))
    }

    /// Sets `property` on `builder` if this table has it: `Ok(true)` when set, `Ok(false)` when
    /// the table does not know the name.
    ///
    /// # Errors
    /// [`ConfigError::UnsupportedProperty`] for a refused property, or what its setter
    /// returns for an invalid or refused value.
    pub(crate) fn apply(
        &self,
        builder: &mut B,
        property: &str,
        value: &str,
    ) -> Result<bool, ConfigError> {
        if let Some(entry) = self.find(property) {
            (entry.set)(builder, property, value)?;
            return Ok(true);
        }
        match self.refused.iter().find(|r| r.names.contains(&property)) {
            Some(refused) => Err(ConfigError::unsupported(property, refused.reason)),
            None => Ok(false),
        }
    }

    #[cfg(test)]
    /// The reference as Markdown, for a type's rustdoc: the intro, a table of the accepted
    /// properties, those accepted with no effect, and those refused.
    pub(crate) fn render(&self) -> String {
        let mut out = format!(
            "<!-- Generated from the property tables in std-client/src/config; do not edit: \
             change the tables, then run \
             `FRANZL_BLESS_REFERENCE=1 cargo test -p franzl --lib config::tests::reference`. -->\n\
             {}\n",
            self.intro.trim_end()
        );
        if !self.properties.is_empty() {
            out.push_str("\n| Property | Aliases | Default | Meaning |\n|---|---|---|---|\n");
            for p in self.properties {
                let aliases: Vec<String> = p.aliases.iter().map(|a| format!("`{a}`")).collect();
                let default = match p.default {
                    DefaultValue::Value("") => "empty".to_owned(),
                    DefaultValue::Value(value) => format!("`{value}`"),
                    DefaultValue::Unset(text) => text.to_owned(),
                };
                out.push_str(&format!(
                    "| `{}` | {} | {} | {} |\n",
                    p.name,
                    aliases.join(", "),
                    cell(&default),
                    cell(p.meaning)
                ));
            }
        }
        let no_effect: Vec<_> = self
            .properties
            .iter()
            .filter_map(|p| p.no_effect.map(|why| (p.name, why)))
            .collect();
        if !no_effect.is_empty() {
            out.push_str(
                "\n## Accepted with no effect\n\nAccepted for compatibility, at the value \
                 franzl acts on anyway; any other value is refused.\n\n",
            );
            for (name, why) in no_effect {
                out.push_str(&format!("- `{name}`: {why}\n"));
            }
        }
        if !self.refused.is_empty() {
            out.push_str(
                "\n## Refused\n\nThese are known and refused on purpose, with an error that \
                 names the property, rather than accepted and ignored.\n\n\
                 | Property | Why |\n|---|---|\n",
            );
            for refused in self.refused {
                let names: Vec<String> = refused.names.iter().map(|n| format!("`{n}`")).collect();
                out.push_str(&format!(
                    "| {} | {} |\n",
                    names.join(", "),
                    cell(refused.reason)
                ));
            }
        }
        out
    }
}

/// `text` made safe for a Markdown table cell.
#[cfg(test)]
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
