//! The tree the lowering builds and the writers print: JSON's data model
//! with cheaper maps than `serde_json::Value`.
//!
//! `serde_json::Map` (with `preserve_order`) is an `IndexMap` that hashes
//! every key with SipHash, allocates a hash table and owns a `String` per
//! key. The lowering builds tens of thousands of small maps whose keys are
//! mostly constants and which are only ever printed in order, so a
//! [`NodeMap`] is a plain vector of entries with `Cow<'static, str>` keys.
//! Public APIs that hand documents to other crates (the reconciler's
//! `air diff`, tests) convert with [`Node::to_json`].

use serde_json::{Number, Value};
use std::borrow::Cow;

/// A map key or string: constants are borrowed, computed text is owned.
pub type Text = Cow<'static, str>;

/// A JSON value.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Node {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    Str(Text),
    Seq(Vec<Node>),
    Map(NodeMap),
}

/// Entries a map built without a size gets room for at its first insert.
const FIRST_CAPACITY: usize = 8;

/// A JSON object: entries in insertion order, keys unique.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeMap {
    entries: Vec<(Text, Node)>,
}

impl NodeMap {
    pub fn new() -> NodeMap {
        NodeMap::default()
    }

    pub fn with_capacity(n: usize) -> NodeMap {
        NodeMap {
            entries: Vec::with_capacity(n),
        }
    }

    /// Insert like `serde_json::Map::insert`: a key already present keeps
    /// its position and takes the new value. Maps are small, so the scan
    /// for an existing key is cheaper than hashing.
    pub fn insert(&mut self, key: impl Into<Text>, value: impl Into<Node>) {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => {
                // A map built entry by entry would grow from four entries
                // to eight (a reallocation and a copy, tens of thousands
                // of times per build); most maps fit in eight.
                if self.entries.capacity() == 0 {
                    self.entries.reserve_exact(FIRST_CAPACITY);
                }
                self.entries.push((key, value));
            }
        }
    }

    /// Every entry of `other`, inserted in order.
    pub fn extend(&mut self, other: NodeMap) {
        for (k, v) in other.entries {
            self.insert(k, v);
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }

    pub fn entries(&self) -> &[(Text, Node)] {
        &self.entries
    }

    pub fn into_values(self) -> impl Iterator<Item = Node> {
        self.entries.into_iter().map(|(_, v)| v)
    }
}

impl Node {
    /// The same value as `serde_json::Value`, keys in the same order.
    pub fn to_json(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Number(n) => Value::Number(n.clone()),
            Node::Str(s) => Value::String(s.to_string()),
            Node::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Node::Map(m) => Value::Object(
                m.entries
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// A `serde_json::Value` as a tree (parameter values, schemas).
    pub fn from_json(v: &Value) -> Node {
        match v {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(*b),
            Value::Number(n) => Node::Number(n.clone()),
            Value::String(s) => Node::Str(Cow::Owned(s.clone())),
            Value::Array(items) => Node::Seq(items.iter().map(Node::from_json).collect()),
            Value::Object(m) => {
                let mut out = NodeMap::with_capacity(m.len());
                for (k, v) in m {
                    out.entries
                        .push((Cow::Owned(k.clone()), Node::from_json(v)));
                }
                Node::Map(out)
            }
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    /// `self[key]` of a map, if both exist.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(m) => m.get(key),
            _ => None,
        }
    }
}

impl From<&'static str> for Node {
    fn from(s: &'static str) -> Node {
        Node::Str(Cow::Borrowed(s))
    }
}

impl From<String> for Node {
    fn from(s: String) -> Node {
        Node::Str(Cow::Owned(s))
    }
}

impl From<Text> for Node {
    fn from(s: Text) -> Node {
        Node::Str(s)
    }
}

impl From<bool> for Node {
    fn from(b: bool) -> Node {
        Node::Bool(b)
    }
}

/// Integers become JSON numbers.
macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for Node {
            fn from(n: $t) -> Node {
                Node::Number(n.into())
            }
        }
    )*};
}
from_integer!(i64, u64, u32, u16);

impl From<NodeMap> for Node {
    fn from(m: NodeMap) -> Node {
        Node::Map(m)
    }
}

impl From<Vec<Node>> for Node {
    fn from(items: Vec<Node>) -> Node {
        Node::Seq(items)
    }
}

impl<T: Into<Node>> From<Option<T>> for Node {
    fn from(v: Option<T>) -> Node {
        v.map_or(Node::Null, Into::into)
    }
}

/// A map from `key => value` pairs, in order (keys: anything that makes
/// a [`Text`], values: anything that makes a [`Node`]):
/// `node_map! { "as" => expr }`.
#[macro_export]
macro_rules! node_map {
    ($($k:expr => $v:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut m = $crate::emit::tree::NodeMap::with_capacity(0 $(+ { let _ = stringify!($k); 1 })*);
        $( m.insert($k, $v); )*
        m
    }};
}

/// [`node_map!`] as a [`Node`].
#[macro_export]
macro_rules! node {
    ($($k:expr => $v:expr),* $(,)?) => {
        $crate::emit::tree::Node::Map($crate::node_map! { $($k => $v),* })
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_through_json_in_order() {
        let v = json!({"z": [1, "a", null, {"b": true, "a": 2.5}], "a": {}});
        let n = Node::from_json(&v);
        assert_eq!(n.to_json(), v);
        let keys: Vec<&str> = match &n {
            Node::Map(m) => m.iter().map(|(k, _)| k).collect(),
            _ => Vec::new(),
        };
        assert_eq!(keys, ["z", "a"]);
    }

    #[test]
    fn insert_replaces_in_place() {
        let mut m = node_map! { "a" => 1i64, "b" => 2i64 };
        m.insert("a", "x");
        assert_eq!(Node::Map(m).to_json(), json!({"a": "x", "b": 2}));
    }
}
