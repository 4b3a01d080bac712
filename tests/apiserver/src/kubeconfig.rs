//! A kubeconfig pointing at the test server: plain HTTP, a dummy token.

use std::path::Path;

/// Names used inside the generated kubeconfig.
pub const CLUSTER: &str = "air-test";
pub const USER: &str = "air-test-user";
pub const CONTEXT: &str = "air-test";
/// Sent as a bearer token; the server accepts any request.
pub const TOKEN: &str = "air-test-token";

/// The kubeconfig YAML for a server at `url` (`http://127.0.0.1:PORT`).
pub fn render(url: &str, namespace: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: {CLUSTER}
  cluster:
    server: {url}
users:
- name: {USER}
  user:
    token: {TOKEN}
contexts:
- name: {CONTEXT}
  context:
    cluster: {CLUSTER}
    user: {USER}
    namespace: {namespace}
current-context: {CONTEXT}
preferences: {{}}
"
    )
}

/// Write the kubeconfig to `path` (parent folders must exist).
pub fn write(path: &Path, url: &str) -> std::io::Result<()> {
    std::fs::write(path, render(url, "default"))
}
