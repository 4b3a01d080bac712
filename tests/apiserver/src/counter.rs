//! Counting requests by verb, so scale measurements can say what a client
//! asked for (`Server::requests`, or `GET /debug/air/requests` as JSON).
//! A watch is counted once, when it starts, however long it stays open.

use crate::handlers::Params;
use crate::path::ResourcePath;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

/// What kind of request, as the Kubernetes audit log names verbs.
pub fn verb(method: &Method, path: &str, query: Option<&str>) -> &'static str {
    let resource = ResourcePath::parse(path).ok();
    let named = resource.as_ref().is_some_and(|r| r.name.is_some());
    let dry_run = Params::parse(query).get("dryRun").is_some();
    match (method.as_str(), resource.is_some()) {
        (_, false) => "discovery",
        ("GET", _) if Params::parse(query).flag("watch") => "watch",
        ("GET", _) if named => "get",
        ("GET", _) => "list",
        ("PATCH", _) if dry_run => "patch (dry run)",
        ("PATCH", _) => "patch",
        ("POST", _) if dry_run => "create (dry run)",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("DELETE", _) if named => "delete",
        ("DELETE", _) => "deletecollection",
        _ => "other",
    }
}

/// Requests seen since the server started, by verb. Cheap to clone.
#[derive(Clone, Default)]
pub struct Counter(Arc<Mutex<BTreeMap<&'static str, u64>>>);

impl Counter {
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(k, v)| ((*k).to_string(), *v))
            .collect()
    }

    fn add(&self, verb: &'static str) {
        *self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(verb)
            .or_default() += 1;
    }
}

/// Middleware: count, then serve.
pub async fn count(State(counter): State<Counter>, req: Request, next: Next) -> Response {
    counter.add(verb(req.method(), req.uri().path(), req.uri().query()));
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs() {
        let v = |m: Method, p: &str, q: Option<&str>| verb(&m, p, q);
        assert_eq!(
            v(Method::GET, "/api/v1/configmaps", Some("watch=true")),
            "watch"
        );
        assert_eq!(
            v(Method::GET, "/api/v1/namespaces/a/configmaps", None),
            "list"
        );
        assert_eq!(
            v(Method::GET, "/api/v1/namespaces/a/configmaps/x", None),
            "get"
        );
        assert_eq!(
            v(
                Method::PATCH,
                "/api/v1/namespaces/a/configmaps/x",
                Some("dryRun=All")
            ),
            "patch (dry run)"
        );
        assert_eq!(
            v(Method::PATCH, "/api/v1/namespaces/a/configmaps/x", None),
            "patch"
        );
        assert_eq!(v(Method::GET, "/apis", None), "discovery");
    }
}
