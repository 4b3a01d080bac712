//! A Knative Destination (`subscriber` of a Trigger, `sink` of a
//! PingSource): an absolute URI, or a reference to an addressable object
//! with an optional URI relative to its address.

use serde_json::Value;

/// A reference to a Kubernetes object (`ref`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KRef {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// The namespace; the referring object's when the ref names none.
    pub namespace: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    pub reference: Option<KRef>,
    /// Absolute without `reference`; relative to its address with one.
    pub uri: Option<String>,
}

impl Destination {
    /// Reads `v` (the Destination of an object in `namespace`).
    pub(crate) fn read(v: Option<&Value>, field: &str, namespace: &str) -> Result<Self, String> {
        let Some(Value::Object(m)) = v else {
            return Err(format!("`{field}` is missing or not an object"));
        };
        let uri = super::opt_str(m.get("uri"), &format!("{field}.uri"))?;
        let reference = match m.get("ref") {
            None | Some(Value::Null) => None,
            Some(Value::Object(r)) => {
                let text = |k: &str| -> Result<String, String> {
                    super::opt_str(r.get(k), &format!("{field}.ref.{k}"))
                        .map(Option::unwrap_or_default)
                };
                let kref = KRef {
                    api_version: text("apiVersion")?,
                    kind: text("kind")?,
                    name: text("name")?,
                    namespace: match text("namespace")? {
                        ns if ns.is_empty() => namespace.to_string(),
                        ns => ns,
                    },
                };
                if kref.kind.is_empty() || kref.name.is_empty() {
                    return Err(format!("`{field}.ref` needs `kind` and `name`"));
                }
                Some(kref)
            }
            Some(other) => return Err(format!("`{field}.ref` is {other}, not an object")),
        };
        match (&reference, &uri) {
            (None, None) => Err(format!("`{field}` has neither `ref` nor `uri`")),
            (None, Some(u)) if !u.contains("://") => Err(format!(
                "`{field}.uri` `{u}` is not absolute and there is no `ref`"
            )),
            _ => Ok(Destination { reference, uri }),
        }
    }

    /// The absolute URI events are sent to. A Service (Knative or core)
    /// resolves to `http://<name>.<namespace>.svc.cluster.local`, the
    /// relative `uri` appended; other kinds of reference would need the
    /// cluster to resolve them.
    pub fn resolve(&self) -> Result<String, Unresolvable> {
        let Some(r) = &self.reference else {
            return Ok(self.uri.clone().unwrap_or_default());
        };
        let group = r.api_version.split('/').next().unwrap_or("");
        let service =
            r.kind == "Service" && (group == "serving.knative.dev" || r.api_version == "v1");
        if !service {
            return Err(Unresolvable(r.clone()));
        }
        let base = format!("http://{}.{}.svc.cluster.local", r.name, r.namespace);
        Ok(match self.uri.as_deref() {
            None | Some("") => base,
            Some(u) if u.starts_with('/') => format!("{base}{u}"),
            Some(u) => format!("{base}/{u}"),
        })
    }
}

/// A reference only a cluster could resolve (a Channel, a Broker, …).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot resolve {} {}/{} ({}) without a cluster", .0.kind, .0.namespace, .0.name, .0.api_version)]
pub struct Unresolvable(pub KRef);
