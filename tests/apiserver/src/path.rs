//! Parsing resource URLs (`/api/v1/namespaces/ns/configmaps/name/status`).

use crate::registry::{self, KindInfo, NAMESPACE_ALIAS};

/// A request for a served resource, decoded from the URL path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePath {
    pub kind: &'static KindInfo,
    /// `None` for cluster-scoped kinds and for lists across all namespaces.
    pub namespace: Option<String>,
    pub name: Option<String>,
    /// Only `status` is served.
    pub subresource: Option<String>,
}

/// Why a path is not a served resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// Not an API path at all, or a resource that is not registered.
    NotFound(String),
}

impl ResourcePath {
    /// Decode `path` (without query). `api` and `apis` prefixes only.
    pub fn parse(path: &str) -> Result<Self, PathError> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let not_found = || PathError::NotFound(path.to_string());
        let (group, version, rest) = match parts.as_slice() {
            ["api", version, rest @ ..] => ("", *version, rest),
            ["apis", group, version, rest @ ..] => (*group, *version, rest),
            _ => return Err(not_found()),
        };
        // Namespace objects share their URL prefix with namespaced resources:
        // `/api/v1/namespaces/x` is the Namespace x, while
        // `/api/v1/namespaces/x/configmaps` lists ConfigMaps in x.
        let (namespace, plural, name, sub) = match rest {
            ["namespaces"] if group.is_empty() => (None, "namespaces", None, None),
            ["namespaces", name] if group.is_empty() => (None, "namespaces", Some(*name), None),
            ["namespaces", name, sub @ ("status" | "finalize")] if group.is_empty() => {
                (None, "namespaces", Some(*name), Some(*sub))
            }
            ["namespaces", ns, plural] => (Some(*ns), *plural, None, None),
            ["namespaces", ns, plural, name] => (Some(*ns), *plural, Some(*name), None),
            ["namespaces", ns, plural, name, sub] => (Some(*ns), *plural, Some(*name), Some(*sub)),
            [plural] => (None, *plural, None, None),
            [plural, name] => (None, *plural, Some(*name), None),
            [plural, name, sub] => (None, *plural, Some(*name), Some(*sub)),
            _ => return Err(not_found()),
        };
        let kind = registry::lookup(group, version, plural).ok_or_else(not_found)?;
        // A cluster-scoped kind has no namespaced URL; a namespaced kind has
        // a cluster-wide URL only for list and watch (no name).
        if !kind.namespaced && namespace.is_some() {
            return Err(not_found());
        }
        if kind.namespaced && namespace.is_none() && name.is_some() {
            return Err(not_found());
        }
        if let Some(sub) = sub
            && (sub != "status" || !kind.status)
        {
            return Err(not_found());
        }
        Ok(Self {
            kind,
            namespace: namespace.map(str::to_string),
            name: name.map(str::to_string),
            subresource: sub.map(str::to_string),
        })
    }

    pub fn is_status(&self) -> bool {
        self.subresource.as_deref() == Some("status")
    }

    /// The path under which kube-fake-client's router finds this resource.
    pub fn fake_path(&self) -> String {
        let k = self.kind;
        let prefix = if k.group.is_empty() {
            format!("/api/{}", k.version)
        } else {
            format!("/apis/{}/{}", k.group, k.version)
        };
        let plural = if k.group.is_empty() && k.plural == "namespaces" {
            NAMESPACE_ALIAS
        } else {
            k.plural
        };
        let mut out = match &self.namespace {
            Some(ns) => format!("{prefix}/namespaces/{ns}/{plural}"),
            None => format!("{prefix}/{plural}"),
        };
        if let Some(name) = &self.name {
            out.push('/');
            out.push_str(name);
        }
        if let Some(sub) = &self.subresource {
            out.push('/');
            out.push_str(sub);
        }
        out
    }

    /// The same resource, another object name (used for collection deletes).
    pub fn with_name(&self, name: &str) -> Self {
        Self {
            name: Some(name.to_string()),
            subresource: None,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_and_namespaced_resources_are_told_apart() {
        let ns = ResourcePath::parse("/api/v1/namespaces/shop").unwrap();
        assert_eq!(ns.kind.kind, "Namespace");
        assert_eq!(ns.name.as_deref(), Some("shop"));
        assert_eq!(ns.fake_path(), "/api/v1/air-namespaces/shop");

        let cms = ResourcePath::parse("/api/v1/namespaces/shop/configmaps").unwrap();
        assert_eq!(cms.kind.kind, "ConfigMap");
        assert_eq!(cms.namespace.as_deref(), Some("shop"));
        assert_eq!(cms.name, None);
    }

    #[test]
    fn status_subresource_only_where_registered() {
        let p =
            ResourcePath::parse("/apis/serving.knative.dev/v1/namespaces/shop/services/web/status")
                .unwrap();
        assert!(p.is_status());
        assert!(ResourcePath::parse("/api/v1/namespaces/shop/configmaps/x/status").is_err());
    }

    #[test]
    fn unknown_and_misscoped_paths_are_not_found() {
        assert!(ResourcePath::parse("/apis/apps/v1/namespaces/x/deployments").is_err());
        assert!(ResourcePath::parse("/api/v1/configmaps/x").is_err());
        assert!(ResourcePath::parse("/version").is_err());
        assert!(ResourcePath::parse("/api/v1/configmaps").is_ok());
    }
}
