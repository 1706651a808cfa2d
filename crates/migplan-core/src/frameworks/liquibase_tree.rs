//! A Liquibase changelog as one tree, whatever it was written in: XML
//! (roxmltree) or YAML and JSON (saphyr's YAML 1.2 parser, of which JSON is
//! a part). The reader walks this tree; each element keeps the byte range
//! it came from in the file, so findings land on the changelog's lines.
//!
//! YAML and JSON say what XML says with different nesting: `changes:` and
//! `columns:` lists hold what XML puts directly inside the element,
//! scalars are attributes, and a few keys are text (`sql`, `where`,
//! `comment`, a view's `selectQuery`, a string `rollback`).

use saphyr_parser::{Event, Parser, Span};

/// An element: its name, attributes, child elements, text and where it is
/// in the file (byte offsets).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: Option<String>,
    pub start: usize,
    pub end: usize,
}

impl Element {
    pub fn is(&self, name: &str) -> bool {
        self.name == name
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(name))
    }

    /// This element and every element under it, in document order.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = vec![self];
        for child in &self.children {
            out.extend(child.descendants());
        }
        out
    }
}

/// An XML changelog: its root element.
pub fn from_xml(text: &str) -> Result<Element, String> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| e.to_string())?;
    Ok(element_of(doc.root_element()))
}

fn element_of(node: roxmltree::Node) -> Element {
    let range = node.range();
    Element {
        name: node.tag_name().name().to_string(),
        attributes: node
            .attributes()
            .map(|a| (a.name().to_string(), a.value().to_string()))
            .collect(),
        children: node
            .children()
            .filter(roxmltree::Node::is_element)
            .map(element_of)
            .collect(),
        text: node.text().map(str::to_string),
        start: range.start,
        end: range.end,
    }
}

/// A YAML value.
#[derive(Debug)]
enum Yaml {
    Scalar(String),
    /// Each key with where it starts (byte offset) and its value.
    Map(Vec<(String, usize, Located)>),
    List(Vec<Located>),
}

/// A YAML value with where it is (byte offsets).
#[derive(Debug)]
struct Located {
    value: Yaml,
    end: usize,
}

/// Character offsets (saphyr's) to byte offsets.
struct Offsets {
    bytes: Option<Vec<usize>>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        let bytes = (!text.is_ascii()).then(|| text.char_indices().map(|(at, _)| at).collect());
        Offsets {
            bytes,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.bytes {
            None => char_index.min(self.len),
            Some(map) => map.get(char_index).copied().unwrap_or(self.len),
        }
    }
}

/// Nesting deeper than this is refused (no changelog needs it; a hostile
/// one must not exhaust the stack).
const MAX_DEPTH: usize = 64;

struct Events<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    offsets: Offsets,
    text: &'a str,
}

impl<'a> Events<'a> {
    fn next(&mut self) -> Result<Option<(Event<'a>, Span)>, String> {
        match self.parser.next() {
            None => Ok(None),
            Some(Ok(event)) => Ok(Some(event)),
            Some(Err(e)) => Err(format!(
                "line {}, column {}: {}",
                e.marker().line(),
                e.marker().col() + 1,
                e.info()
            )),
        }
    }

    /// The value starting with `event` (already read).
    fn value(&mut self, event: Event<'a>, span: Span, depth: usize) -> Result<Located, String> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply".into());
        }
        let start = self.offsets.byte(span.start.index());
        // A collection ends with its end event.
        let mut last = span;
        let value = match event {
            Event::Scalar(text, ..) => Yaml::Scalar(text.into_owned()),
            Event::SequenceStart(..) => {
                let mut items = Vec::new();
                loop {
                    let Some((event, span)) = self.next()? else {
                        return Err("a list without its end".into());
                    };
                    if matches!(event, Event::SequenceEnd) {
                        last = span;
                        break;
                    }
                    items.push(self.value(event, span, depth + 1)?);
                }
                Yaml::List(items)
            }
            Event::MappingStart(..) => {
                let mut entries = Vec::new();
                loop {
                    let Some((event, span)) = self.next()? else {
                        return Err("a mapping without its end".into());
                    };
                    let key = match event {
                        Event::MappingEnd => {
                            last = span;
                            break;
                        }
                        Event::Scalar(text, ..) => text.into_owned(),
                        _ => return Err("a mapping key that is not text".into()),
                    };
                    let key_at = self.offsets.byte(span.start.index());
                    let Some((event, span)) = self.next()? else {
                        return Err("a key without its value".into());
                    };
                    let value = self.value(event, span, depth + 1)?;
                    entries.push((key, key_at, value));
                }
                Yaml::Map(entries)
            }
            Event::Alias(_) => return Err("YAML aliases are not read".into()),
            _ => Yaml::Scalar(String::new()),
        };
        // A block collection ends where the next thing starts: not its
        // trailing blank space.
        let end = self.offsets.byte(last.end.index()).max(start);
        let end = start + self.text[start..end].trim_end().len();
        Ok(Located { value, end })
    }
}

/// A YAML or JSON changelog: a `databaseChangeLog` root element.
pub fn from_yaml(text: &str) -> Result<Element, String> {
    let mut events = Events {
        parser: Parser::new_from_str(text),
        offsets: Offsets::new(text),
        text,
    };
    // The document's top value.
    let top = loop {
        let Some((event, span)) = events.next()? else {
            return Err("no YAML document".into());
        };
        match event {
            Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => continue,
            event => break events.value(event, span, 0)?,
        }
    };
    let Yaml::Map(entries) = top.value else {
        return Err("a changelog that is not a mapping".into());
    };
    let (_, at, log) = entries
        .into_iter()
        .find(|(key, _, _)| key == "databaseChangeLog")
        .ok_or("no databaseChangeLog")?;
    let mut root = Element {
        name: "databaseChangeLog".into(),
        start: at,
        end: log.end,
        ..Element::default()
    };
    fill(&mut root, log.value);
    Ok(root)
}

/// Whether `key` under `element` is the element's own text in XML
/// (`<sql>...</sql>`, a view's query, a procedure's body).
fn own_text(element: &str, key: &str) -> bool {
    matches!(
        (element, key),
        ("sql", "sql")
            | ("createView", "selectQuery")
            | ("createProcedure", "procedureText" | "procedureBody")
    )
}

/// Keys whose text is a child element's text in XML (`<where>...</where>`),
/// and `rollback` given as SQL text.
const TEXT_CHILDREN: &[&str] = &["where", "comment", "rollback"];

fn child(name: String, start: usize, end: usize) -> Element {
    Element {
        name,
        start,
        end,
        ..Element::default()
    }
}

/// Puts a YAML value into `element` the way the XML says the same.
fn fill(element: &mut Element, value: Yaml) {
    match value {
        Yaml::Scalar(text) => element.text = Some(text),
        Yaml::List(items) => {
            for item in items {
                push_item(element, item);
            }
        }
        Yaml::Map(entries) => {
            for (key, at, located) in entries {
                match located.value {
                    Yaml::Scalar(text) if own_text(&element.name, &key) => {
                        element.text = Some(text);
                    }
                    Yaml::Scalar(text) if TEXT_CHILDREN.contains(&key.as_str()) => {
                        let mut text_child = child(key, at, located.end);
                        text_child.text = Some(text);
                        element.children.push(text_child);
                    }
                    Yaml::Scalar(text) => element.attributes.push((key, text)),
                    // `changes:` and `columns:` hold what XML nests directly.
                    Yaml::List(items) if key == "changes" || key == "columns" => {
                        for item in items {
                            push_item(element, item);
                        }
                    }
                    value => {
                        let mut nested = child(key, at, located.end);
                        fill(&mut nested, value);
                        element.children.push(nested);
                    }
                }
            }
        }
    }
}

/// One list item: `- createTable: {...}` is a `createTable` element;
/// `- onFail: MARK_RAN` (in `preConditions`) an attribute.
fn push_item(element: &mut Element, item: Located) {
    let Yaml::Map(entries) = item.value else {
        return;
    };
    for (key, at, located) in entries {
        if let Yaml::Scalar(text) = located.value {
            element.attributes.push((key, text));
            continue;
        }
        let mut nested = child(key, at, located.end);
        fill(&mut nested, located.value);
        element.children.push(nested);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_nest_as_the_xml_does() {
        let yaml = "databaseChangeLog:\n  - changeSet:\n      id: 1\n      changes:\n        - update:\n            tableName: t\n            where: a = 1\n            columns:\n              - column: {name: a, value: x}\n      rollback: DELETE FROM t\n";
        let root = from_yaml(yaml).expect("yaml");
        let change_set = root.child("changeSet").expect("changeSet");
        assert_eq!(change_set.attribute("id"), Some("1"));
        let update = change_set.child("update").expect("update");
        assert_eq!(update.attribute("tableName"), Some("t"));
        assert_eq!(
            update.child("where").and_then(|w| w.text.as_deref()),
            Some("a = 1")
        );
        assert_eq!(
            update.child("column").and_then(|c| c.attribute("value")),
            Some("x")
        );
        assert_eq!(
            change_set.child("rollback").and_then(|r| r.text.as_deref()),
            Some("DELETE FROM t")
        );
        // The element starts at its key and ends with its value.
        assert!(yaml[update.start..update.end].starts_with("update:"));
        assert!(yaml[update.start..update.end].ends_with("value: x}"));
        let json = r#"{"databaseChangeLog": [{"changeSet": {"id": "1", "changes": [{"sql": {"sql": "SELECT 1"}}]}}]}"#;
        let root = from_yaml(json).expect("json");
        let sql = root
            .descendants()
            .into_iter()
            .find(|e| e.is("sql"))
            .cloned();
        assert_eq!(sql.and_then(|s| s.text), Some("SELECT 1".into()));
    }

    #[test]
    fn hostile_yaml_is_refused_not_followed() {
        let deep = format!(
            "databaseChangeLog: {}{}",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        assert!(from_yaml(&deep).is_err());
        assert!(from_yaml("databaseChangeLog: &a [*a]").is_err());
        assert!(from_yaml("databaseChangeLog: [\"unterminated").is_err());
        assert!(from_yaml("- just a list").is_err());
        // Not ASCII: offsets stay on character boundaries.
        let text = "databaseChangeLog:\n  - changeSet:\n      id: é1\n      changes:\n        - sql: {sql: \"SELECT 'ü'\"}\n";
        let root = from_yaml(text).expect("yaml");
        let sql = root
            .descendants()
            .into_iter()
            .find(|e| e.is("sql"))
            .cloned()
            .expect("sql");
        assert!(text[sql.start..sql.end].starts_with("sql:"));
    }
}
