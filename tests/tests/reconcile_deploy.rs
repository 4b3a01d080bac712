//! deploy/: the example configuration parses, the Deployment runs
//! `air reconcile` with it, and the RBAC is least-privilege — it grants
//! every kind the examples emit (and the verbs apply, prune and the drift
//! watch need), and nothing air never touches (workloads, RBAC; Secrets only `get`, only in
//! the AirApps' namespace).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::build_support;

use air_tests::repo_root;
use build_support::{build_example, example_apps, parse_stream};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeSet;

fn docs(file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(repo_root().join("deploy").join(file)).unwrap();
    serde_norway::Deserializer::from_str(&text)
        .map(|d| Value::deserialize(d).unwrap())
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// (group, resource) → verbs granted by the ClusterRole.
fn granted() -> Vec<(String, String, BTreeSet<String>)> {
    let role = docs("rbac.yaml")
        .into_iter()
        .find(|d| d["kind"] == "ClusterRole")
        .unwrap();
    let mut out = Vec::new();
    for rule in role["rules"].as_array().unwrap() {
        let verbs: BTreeSet<String> = strings(&rule["verbs"]).into_iter().collect();
        for g in strings(&rule["apiGroups"]) {
            for r in strings(&rule["resources"]) {
                out.push((g.clone(), r, verbs.clone()));
            }
        }
    }
    out
}

fn plural(kind: &str) -> String {
    format!("{}s", kind.to_lowercase())
}

#[test]
fn example_configuration_parses() {
    let cm = &docs("configmap.yaml")[0];
    let toml = cm["data"]["reconciler.toml"].as_str().unwrap();
    let config = air_reconciler::config::parse(toml).unwrap();
    assert_eq!(config.apps.len(), 1);
    assert_eq!(config.listen.port(), 9090);
    let deployment = &docs("deployment.yaml")[0];
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    let args = strings(&container["args"]);
    assert_eq!(
        args[..3],
        ["reconcile", "--config", "/etc/air/reconciler.toml"]
    );
    assert_eq!(
        deployment["spec"]["template"]["spec"]["serviceAccountName"],
        "air-reconciler"
    );
    // More than one replica only with leader election.
    if deployment["spec"]["replicas"].as_i64().unwrap_or(1) > 1 {
        assert!(args.iter().any(|a| a == "--leader-elect"), "{args:?}");
    }
    let mut kustomized = strings(&docs("kustomization.yaml")[0]["resources"]);
    kustomized.sort();
    let mut files: Vec<String> = std::fs::read_dir(repo_root().join("deploy"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".yaml") && f != "kustomization.yaml")
        .collect();
    files.sort();
    assert_eq!(kustomized, files, "kustomization.yaml lists every manifest");
}

#[test]
fn rbac_covers_every_emitted_kind_and_nothing_more() {
    let granted = granted();
    let mut needed: BTreeSet<(String, String)> = BTreeSet::new();
    for app in example_apps() {
        let out = build_example(&app).output.expect("examples build");
        for obj in parse_stream(&out.stream) {
            let api_version = obj["apiVersion"].as_str().unwrap();
            let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
            needed.insert((group.to_string(), plural(obj["kind"].as_str().unwrap())));
        }
    }
    // The controller's own: inventory/status ConfigMaps, target namespaces.
    needed.insert((String::new(), "configmaps".into()));
    let apply_verbs = ["get", "list", "watch", "create", "patch", "delete"];
    for (group, resource) in &needed {
        let verbs = granted
            .iter()
            .find(|(g, r, _)| g == group && r == resource)
            .map(|(_, _, v)| v)
            .unwrap_or_else(|| panic!("no rule for {group}/{resource}"));
        for v in apply_verbs {
            assert!(verbs.contains(v), "{group}/{resource} lacks {v}");
        }
    }
    for (group, resource, verbs) in &granted {
        assert!(!verbs.contains("*"), "wildcard verb on {resource}");
        assert_ne!(resource, "*", "wildcard resource");
        assert_ne!(group, "*", "wildcard group");
        assert!(
            !["secrets", "pods", "deployments", "roles", "clusterroles"]
                .contains(&resource.as_str()),
            "air never touches {resource}"
        );
        let allowed_extra = [
            ("", "namespaces"),
            ("", "events"),
            ("events.k8s.io", "events"),
        ];
        assert!(
            needed.contains(&(group.clone(), resource.clone()))
                || allowed_extra.contains(&(group.as_str(), resource.as_str())),
            "{group}/{resource} is granted but air does not emit it"
        );
    }
    // Namespaces are created, never deleted.
    let ns = granted.iter().find(|(_, r, _)| r == "namespaces").unwrap();
    assert!(!ns.2.contains("delete"));
}

/// Secrets an AirApp references are read by name (`get`), in the AirApps'
/// namespace only: a Role there, never a ClusterRole, no list or watch.
#[test]
fn secrets_only_get_in_the_airapps_namespace() {
    let mut grants = Vec::new();
    for doc in docs("rbac.yaml") {
        for rule in doc["rules"].as_array().into_iter().flatten() {
            if strings(&rule["resources"]).iter().any(|r| r == "secrets") {
                grants.push((doc.clone(), strings(&rule["verbs"])));
            }
        }
    }
    assert_eq!(grants.len(), 1, "one rule grants secrets");
    let (role, verbs) = &grants[0];
    assert_eq!(role["kind"], "Role", "{role}");
    assert_eq!(role["metadata"]["namespace"], "air-system");
    assert_eq!(role["metadata"]["name"], "air-reconciler-airapps");
    assert_eq!(verbs, &["get"]);
}
