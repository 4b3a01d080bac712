//! Subscriber URIs against the workflow runtime's contract: what a
//! delivery to that URI means for `air test`.
//!
//! The compiler points a workflow's Triggers and PingSources at
//! `<runtime-url>/workflows/<name>` (docs/build.md); the runtime also
//! takes `<runtime-url>/workflows/<namespace>/<name>` and receives events
//! for waiting workflows at `<runtime-url>/events/<namespace>`. Any other
//! URI (a function's Service, an outside endpoint) is [`Endpoint::Other`].

/// What a subscriber URI reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// Start workflow `workflow` in `namespace`.
    Start { namespace: String, workflow: String },
    /// The runtime's event ingress for `namespace`.
    Ingress { namespace: String },
    /// Anything else, the URI as given.
    Other(String),
}

/// Classifies `uri`. `runtime_url` is the runtime's base URL (a trailing
/// `/` is ignored); `namespace` is the Trigger's or PingSource's, used by
/// the short form `/workflows/<name>`. Scheme and host compare without
/// regard to case; a query or fragment is ignored.
pub fn classify(uri: &str, runtime_url: &str, namespace: &str) -> Endpoint {
    let other = || Endpoint::Other(uri.to_string());
    let base = runtime_url.trim_end_matches('/');
    if base.is_empty() || uri.len() < base.len() || !uri.is_char_boundary(base.len()) {
        return other();
    }
    let (head, rest) = uri.split_at(base.len());
    if !head.eq_ignore_ascii_case(base) {
        return other();
    }
    let path = rest.split(['?', '#']).next().unwrap_or("");
    let Some(path) = path.strip_prefix('/') else {
        return other();
    };
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return other();
    }
    match segments.as_slice() {
        ["workflows", name] => Endpoint::Start {
            namespace: namespace.to_string(),
            workflow: (*name).to_string(),
        },
        ["workflows", ns, name] => Endpoint::Start {
            namespace: (*ns).to_string(),
            workflow: (*name).to_string(),
        },
        ["events", ns] => Endpoint::Ingress {
            namespace: (*ns).to_string(),
        },
        _ => other(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Endpoint, classify};

    const RT: &str = "http://air-runtime.air-system.svc.cluster.local";

    fn start(ns: &str, wf: &str) -> Endpoint {
        Endpoint::Start {
            namespace: ns.into(),
            workflow: wf.into(),
        }
    }

    #[test]
    fn runtime_paths() {
        assert_eq!(
            classify(&format!("{RT}/workflows/fulfil-order"), RT, "shop"),
            start("shop", "fulfil-order")
        );
        assert_eq!(
            classify(
                &format!("{RT}/workflows/other/fulfil"),
                &format!("{RT}/"),
                "shop"
            ),
            start("other", "fulfil")
        );
        assert_eq!(
            classify(&format!("{RT}/workflows/w/"), RT, "shop"),
            start("shop", "w")
        );
        assert_eq!(
            classify(&format!("{RT}/workflows/w?x=1"), RT, "shop"),
            start("shop", "w")
        );
        assert_eq!(
            classify(&format!("{RT}/events/shop"), RT, "x"),
            Endpoint::Ingress {
                namespace: "shop".into()
            }
        );
        assert_eq!(
            classify(
                "HTTP://AIR-RUNTIME.air-system.svc.cluster.local/workflows/w",
                RT,
                "ns"
            ),
            start("ns", "w")
        );
    }

    #[test]
    fn everything_else_is_other() {
        for uri in [
            "http://fn.shop.svc.cluster.local",
            "http://air-runtime.air-system.svc.cluster.local.evil/workflows/w",
            &format!("{RT}x/workflows/w"),
            &format!("{RT}/workflows"),
            &format!("{RT}/workflows//w"),
            &format!("{RT}/workflows/a/b/c"),
            &format!("{RT}/events"),
            RT,
            "",
            "é",
        ] {
            assert_eq!(
                classify(uri, RT, "ns"),
                Endpoint::Other(uri.to_string()),
                "{uri}"
            );
        }
    }
}
