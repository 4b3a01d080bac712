//! What lowering hands to emission: the app's objects as JSON values
//! ([`Lowered`], for `air diff` and the reconciler), as trees
//! ([`LoweredTrees`]) or already printed ([`LoweredText`], `air build`).

use super::tree::Node;
use serde_json::Value;

/// The lowered app: every object air emits, as data.
#[derive(Clone, Debug, Default)]
pub struct Lowered {
    /// Kubernetes objects (Knative and ConfigMaps), in no particular order;
    /// [`crate::emit`] sorts them.
    pub objects: Vec<Value>,
    /// Serverless Workflow documents by workflow object name (kebab-cased).
    pub workflows: Vec<(String, Value)>,
    /// Each document of `workflows` as YAML, in the same order (written
    /// once here for the ConfigMap and reused for `workflows/*.sw.yaml`).
    pub workflow_texts: Vec<String>,
    /// `catalog.json`.
    pub catalog: Value,
}

/// [`Lowered`] as the trees `air build` prints: building and printing
/// them is much cheaper than `serde_json::Value`s (see emit/tree.rs).
#[derive(Clone, Debug, Default)]
pub struct LoweredTrees {
    pub objects: Vec<Node>,
    pub workflows: Vec<(String, Node)>,
    pub workflow_texts: Vec<String>,
    pub catalog: Node,
}

impl LoweredTrees {
    /// The JSON form, for readers of [`Lowered`] (`air diff`, the reconciler).
    pub fn into_lowered(self) -> Lowered {
        Lowered {
            objects: self.objects.iter().map(Node::to_json).collect(),
            workflows: self
                .workflows
                .iter()
                .map(|(name, doc)| (name.clone(), doc.to_json()))
                .collect(),
            workflow_texts: self.workflow_texts,
            catalog: self.catalog.to_json(),
        }
    }
}

/// [`Lowered`] as `air build` keeps it: every Kubernetes object printed
/// (sorted keys) as soon as it was built, on the thread that built it, and
/// its tree dropped at once; no object is ever held both ways.
#[derive(Clone, Debug, Default)]
pub struct LoweredText {
    pub objects: Vec<PrintedObject>,
    /// Each workflow document's object name and YAML (for
    /// `workflows/*.sw.yaml`); empty from [`lower_stream`](crate::lower::lower_stream).
    pub workflows: Vec<(String, String)>,
    /// `catalog.json`'s tree; [`Node::Null`] from [`lower_stream`](crate::lower::lower_stream).
    pub catalog: Node,
}

/// One Kubernetes object's YAML and what emission sorts it by.
#[derive(Clone, Debug, Default)]
pub struct PrintedObject {
    pub kind: String,
    pub name: String,
    pub text: String,
}

impl Lowered {
    /// The tree form of a [`Lowered`] built elsewhere.
    pub fn to_trees(&self) -> LoweredTrees {
        LoweredTrees {
            objects: self.objects.iter().map(Node::from_json).collect(),
            workflows: self
                .workflows
                .iter()
                .map(|(name, doc)| (name.clone(), Node::from_json(doc)))
                .collect(),
            workflow_texts: self.workflow_texts.clone(),
            catalog: Node::from_json(&self.catalog),
        }
    }
}
