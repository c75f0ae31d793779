//! JSON parsing that keeps repeated keys visible.
//!
//! `serde_json::Value` keeps only the last of two equal keys in an object, which would let a
//! typo such as two `"duration"` fields pass unnoticed. This parser stores a repeat under a
//! marked name instead, so validation can report it at its place in the document.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Starts the stored name of a repeated key; no JSON key the contract knows begins with it.
const REPEAT_MARK: &str = "\u{0}repeat\u{0}";

/// Parses JSON text; repeated keys are kept under marked names.
pub fn parse(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str::<Strict>(text).map(|s| s.0)
}

/// The original name if `key` marks a repeated key.
pub fn repeated_key(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(REPEAT_MARK)?;
    rest.split_once('\u{0}').map(|(_, name)| name)
}

struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let Strict(value) = access.next_value()?;
            let key = if map.contains_key(&key) {
                format!("{REPEAT_MARK}{}\u{0}{key}", map.len())
            } else {
                key
            };
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_kept_in_document_order() {
        let value = parse(r#"{"a": 1, "b": 2, "a": 3, "a": 4}"#).expect("valid JSON");
        let keys: Vec<Option<&str>> = value
            .as_object()
            .expect("object")
            .keys()
            .map(|k| repeated_key(k))
            .collect();
        assert_eq!(keys, [None, None, Some("a"), Some("a")]);
        assert_eq!(value["a"], 1);
    }

    #[test]
    fn plain_json_parses_as_serde_json_does() {
        let text =
            r#"{"x": [1, -2, 3.5, true, null, "s", {"y": {}}], "big": 18446744073709551615}"#;
        assert_eq!(parse(text).ok(), serde_json::from_str::<Value>(text).ok());
    }
}
