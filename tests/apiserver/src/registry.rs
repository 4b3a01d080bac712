//! The kinds this test API server serves, and how they are registered with
//! kube-fake-client.
//!
//! The table is the single source of truth for routing (which URLs exist),
//! discovery documents and the fake client's own registry. A kind that is not
//! in [`KINDS`] answers 404 like a real API server without that CRD.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube_fake_client::ClientBuilder;
use serde::Serialize;
use std::borrow::Cow;

/// One served resource (a group, a version and a plural name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// Whether `.../status` is a separate subresource (spec and status are
    /// then written by different requests, as with Knative's controllers).
    pub status: bool,
}

impl KindInfo {
    /// `v1` for the core group, `group/version` otherwise.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The verbs a real API server lists for this resource.
    pub fn verbs(&self) -> &'static [&'static str] {
        &[
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ]
    }
}

/// Everything the server knows. Order is the order of discovery documents.
pub const KINDS: &[KindInfo] = &[
    KindInfo {
        group: "",
        version: "v1",
        kind: "ConfigMap",
        plural: "configmaps",
        singular: "configmap",
        namespaced: true,
        short_names: &["cm"],
        categories: &[],
        status: false,
    },
    KindInfo {
        group: "",
        version: "v1",
        kind: "Event",
        plural: "events",
        singular: "event",
        namespaced: true,
        short_names: &["ev"],
        categories: &[],
        status: false,
    },
    KindInfo {
        group: "",
        version: "v1",
        kind: "Namespace",
        plural: "namespaces",
        singular: "namespace",
        namespaced: false,
        short_names: &["ns"],
        categories: &[],
        status: true,
    },
    KindInfo {
        group: "",
        version: "v1",
        kind: "Secret",
        plural: "secrets",
        singular: "secret",
        namespaced: true,
        short_names: &[],
        categories: &[],
        status: false,
    },
    KindInfo {
        group: "coordination.k8s.io",
        version: "v1",
        kind: "Lease",
        plural: "leases",
        singular: "lease",
        namespaced: true,
        short_names: &[],
        categories: &[],
        status: false,
    },
    KindInfo {
        group: "serving.knative.dev",
        version: "v1",
        kind: "Service",
        plural: "services",
        singular: "service",
        namespaced: true,
        short_names: &["kservice", "ksvc"],
        categories: &["all", "knative", "serving"],
        status: true,
    },
    KindInfo {
        group: "eventing.knative.dev",
        version: "v1",
        kind: "Broker",
        plural: "brokers",
        singular: "broker",
        namespaced: true,
        short_names: &[],
        categories: &["all", "knative", "eventing"],
        status: true,
    },
    KindInfo {
        group: "eventing.knative.dev",
        version: "v1",
        kind: "Trigger",
        plural: "triggers",
        singular: "trigger",
        namespaced: true,
        short_names: &[],
        categories: &["all", "knative", "eventing"],
        status: true,
    },
    KindInfo {
        group: "eventing.knative.dev",
        version: "v1beta2",
        kind: "EventType",
        plural: "eventtypes",
        singular: "eventtype",
        namespaced: true,
        short_names: &[],
        categories: &["all", "knative", "eventing"],
        status: true,
    },
    KindInfo {
        group: "eventing.knative.dev",
        version: "v1beta3",
        kind: "EventType",
        plural: "eventtypes",
        singular: "eventtype",
        namespaced: true,
        short_names: &[],
        categories: &["all", "knative", "eventing"],
        status: true,
    },
    KindInfo {
        group: "sources.knative.dev",
        version: "v1",
        kind: "PingSource",
        plural: "pingsources",
        singular: "pingsource",
        namespaced: true,
        short_names: &[],
        categories: &["all", "knative", "sources"],
        status: true,
    },
    KindInfo {
        group: "air.dev",
        version: "v1alpha1",
        kind: "AirApp",
        plural: "airapps",
        singular: "airapp",
        namespaced: true,
        short_names: &["air"],
        categories: &[],
        status: true,
    },
];

/// The resource a URL names, if served.
pub fn lookup(group: &str, version: &str, plural: &str) -> Option<&'static KindInfo> {
    KINDS
        .iter()
        .find(|k| k.group == group && k.version == version && k.plural == plural)
}

/// Groups in discovery order, each with its versions (preferred first).
pub fn groups() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
    for k in KINDS.iter().filter(|k| !k.group.is_empty()) {
        match out.iter_mut().find(|(g, _)| *g == k.group) {
            Some((_, versions)) => {
                if !versions.contains(&k.version) {
                    versions.push(k.version);
                }
            }
            None => out.push((k.group, vec![k.version])),
        }
    }
    // Kubernetes sorts versions by priority: GA > beta > alpha, higher first.
    for (_, versions) in &mut out {
        versions.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
    }
    out
}

/// Kubernetes' version ordering: v2 > v1 > v1beta3 > v1beta2 > v1alpha1.
fn version_priority(v: &str) -> (u8, u32, u32) {
    let rest = v.strip_prefix('v').unwrap_or(v);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let major = digits.parse().unwrap_or(0);
    let tail = &rest[digits.len()..];
    let (stage, minor) = if let Some(n) = tail.strip_prefix("beta") {
        (1, n.parse().unwrap_or(0))
    } else if let Some(n) = tail.strip_prefix("alpha") {
        (0, n.parse().unwrap_or(0))
    } else {
        (2, 0)
    };
    (stage, major, minor)
}

/// Resources of one group/version.
pub fn resources_of(group: &str, version: &str) -> Vec<&'static KindInfo> {
    KINDS
        .iter()
        .filter(|k| k.group == group && k.version == version)
        .collect()
}

/// The plural under which Namespaces are stored inside the fake client.
///
/// kube-fake-client's URL parser reads `/api/v1/namespaces/NAME` as "a
/// namespaced resource in namespace NAME" and cannot address Namespace
/// objects, so the server forwards them under this alias instead.
pub const NAMESPACE_ALIAS: &str = "air-namespaces";

/// A stand-in Rust type per custom kind: kube-fake-client registers kinds
/// through `kube::Resource`, and we have no generated types for Knative.
macro_rules! marker {
    ($name:ident, $group:expr, $version:expr, $kind:expr, $plural:expr) => {
        #[derive(Clone, Debug, Serialize)]
        struct $name {
            #[serde(rename = "apiVersion")]
            api_version: String,
            kind: String,
            metadata: ObjectMeta,
        }
        impl Default for $name {
            fn default() -> Self {
                let api_version = if $group.is_empty() {
                    $version.to_string()
                } else {
                    format!("{}/{}", $group, $version)
                };
                Self {
                    api_version,
                    kind: $kind.to_string(),
                    metadata: ObjectMeta::default(),
                }
            }
        }
        impl kube::Resource for $name {
            type DynamicType = ();
            type Scope = k8s_openapi::NamespaceResourceScope;
            fn kind(_: &()) -> Cow<'_, str> {
                Cow::Borrowed($kind)
            }
            fn group(_: &()) -> Cow<'_, str> {
                Cow::Borrowed($group)
            }
            fn version(_: &()) -> Cow<'_, str> {
                Cow::Borrowed($version)
            }
            fn plural(_: &()) -> Cow<'_, str> {
                Cow::Borrowed($plural)
            }
            fn meta(&self) -> &ObjectMeta {
                &self.metadata
            }
            fn meta_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

marker!(NamespaceAlias, "", "v1", "Namespace", "air-namespaces");
marker!(
    KnService,
    "serving.knative.dev",
    "v1",
    "Service",
    "services"
);
marker!(Broker, "eventing.knative.dev", "v1", "Broker", "brokers");
marker!(Trigger, "eventing.knative.dev", "v1", "Trigger", "triggers");
marker!(
    EventTypeV1beta2,
    "eventing.knative.dev",
    "v1beta2",
    "EventType",
    "eventtypes"
);
marker!(
    EventTypeV1beta3,
    "eventing.knative.dev",
    "v1beta3",
    "EventType",
    "eventtypes"
);
marker!(
    PingSource,
    "sources.knative.dev",
    "v1",
    "PingSource",
    "pingsources"
);
marker!(AirApp, "air.dev", "v1alpha1", "AirApp", "airapps");

/// A fake-client builder that knows every custom kind in [`KINDS`] and
/// separates spec from status for the kinds that have a status subresource.
pub fn builder() -> ClientBuilder {
    ClientBuilder::new()
        .with_resource::<NamespaceAlias>()
        .with_resource::<KnService>()
        .with_resource::<Broker>()
        .with_resource::<Trigger>()
        .with_resource::<EventTypeV1beta2>()
        .with_resource::<EventTypeV1beta3>()
        .with_resource::<PingSource>()
        .with_resource::<AirApp>()
        .with_status_subresource::<KnService>()
        .with_status_subresource::<Broker>()
        .with_status_subresource::<Trigger>()
        .with_status_subresource::<EventTypeV1beta2>()
        .with_status_subresource::<EventTypeV1beta3>()
        .with_status_subresource::<PingSource>()
        .with_status_subresource::<AirApp>()
        .with_status_subresource::<NamespaceAlias>()
        .with_return_managed_fields()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferred_version_comes_first() {
        let groups = groups();
        let eventing = groups
            .iter()
            .find(|(g, _)| *g == "eventing.knative.dev")
            .map(|(_, v)| v.clone());
        assert_eq!(eventing, Some(vec!["v1", "v1beta3", "v1beta2"]));
    }

    #[test]
    fn unknown_resource_is_not_served() {
        assert!(lookup("apps", "v1", "deployments").is_none());
        assert!(lookup("", "v1", "configmaps").is_some());
    }
}
