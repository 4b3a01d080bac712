//! `AirApp` (`air.dev/v1alpha1`): an app configured in the cluster, the
//! Kubernetes convention next to the TOML file (Flux's `Kustomization`,
//! Argo CD's `Application`). The CRD is generated from these types
//! ([`crd_yaml`], shipped as deploy/crd-airapp.yaml and checked against it
//! by a test).
//!
//! The spec carries the same fields as a `[[app]]` of the TOML file, in
//! camelCase, and means the same: [`AirAppSpec::to_app_config`] validates
//! it through the TOML reader itself, so both forms accept and refuse
//! exactly the same settings with the same messages. The controller
//! watches AirApps in one namespace (like Argo CD's Applications in
//! `argocd`), so their names are unique; the app's objects go wherever its
//! air.toml (or `namespace`) says.

use crate::cluster::Cluster;
use crate::config::{self, AppConfig};
use crate::secrets::{SecretKeyRef, SecretRefs};
use crate::status::AppStatus;
use kube::Api;
use kube::CustomResource;
use kube::api::{Patch, PatchParams};
use kube::core::CustomResourceExt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The desired state: where the app is in Git and how to reconcile it.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "air.dev",
    version = "v1alpha1",
    kind = "AirApp",
    plural = "airapps",
    singular = "airapp",
    doc = "An app air reconciles from Git: a `[[app]]` of the reconciler's TOML file, in the cluster.",
    namespaced,
    status = "AirAppStatus",
    printcolumn = r#"{"name":"Sync","type":"string","jsonPath":".status.sync"}"#,
    printcolumn = r#"{"name":"Health","type":"string","jsonPath":".status.health"}"#,
    printcolumn = r#"{"name":"Revision","type":"string","jsonPath":".status.revision"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct AirAppSpec {
    /// Git URL: https://, ssh://, git@host:path, git://, file://.
    pub repo: String,
    /// Exactly one of branch, tag, semver (a range over tags) and commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semver: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Folder holding air.toml, inside the repository (default ".").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Environment overlay of air.toml.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// Replaces the namespace air.toml names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Fetch + full compare period, e.g. "5m" (default 5m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// Bound on one fetch, compile or apply, e.g. "2m" (default 2m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Delete objects a new revision no longer wants (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prune: Option<bool>,
    /// Revert drift (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_heal: Option<bool>,
    /// Fetch and apply nothing (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    /// Take over fields another field manager owns (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
    /// Let a revision that wants no objects prune all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_prune_all: Option<bool>,
    /// https: environment variable of the controller holding the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_env: Option<String>,
    /// https: basic-auth user sent with the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_user: Option<String>,
    /// ssh: private key file in the controller's pod (a mounted Secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_key: Option<String>,
    /// ssh: environment variable holding the key's passphrase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_key_passphrase_env: Option<String>,
    /// ssh: known_hosts file in the controller's pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_hosts: Option<String>,
    /// ssh: accept any host key (throwaway setups only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_skip_host_key_check: Option<bool>,
    /// https: PEM file (in the controller's pod) of the CAs to trust
    /// instead of the system's trust store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    /// https: the token, from a key of a Secret in this AirApp's namespace
    /// (read before every fetch; instead of tokenEnv).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_secret: Option<SecretKeyRef>,
    /// ssh: the private key, from a Secret in this AirApp's namespace
    /// (instead of sshKey).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_key_secret: Option<SecretKeyRef>,
    /// ssh: the key's passphrase, from a Secret in this AirApp's namespace
    /// (instead of sshKeyPassphraseEnv).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_key_passphrase_secret: Option<SecretKeyRef>,
    /// ssh: known_hosts lines, from a Secret in this AirApp's namespace
    /// (instead of knownHosts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_hosts_secret: Option<SecretKeyRef>,
}

/// The spec fields that reference Secrets: not `[[app]]` keys of the TOML
/// file (an app of the file has no namespace to read Secrets from).
const SECRET_FIELDS: &[&str] = &[
    "tokenSecret",
    "sshKeySecret",
    "sshKeyPassphraseSecret",
    "knownHostsSecret",
];

/// What the controller reports (`kubectl get airapps` shows sync, health
/// and revision).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AirAppStatus {
    /// The `metadata.generation` this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// pending, synced, out-of-sync, failed, suspended or invalid.
    #[serde(default)]
    pub sync: String,
    /// healthy, progressing or degraded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
    /// The commit whose objects are in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// The newest commit fetched (may be broken and not applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_revision: Option<String>,
    /// Objects air manages for this app.
    #[serde(default)]
    pub objects: u32,
    /// Objects that differ from what air applied.
    #[serde(default)]
    pub drifted: u32,
    /// Compiler errors of the newest revision.
    #[serde(default)]
    pub errors: u32,
    /// Why the app is not synced: the last error, or what is invalid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Sync state of an AirApp whose spec the controller refuses.
pub(crate) const INVALID: &str = "invalid";

impl AirAppSpec {
    /// The app this spec describes, validated exactly like a `[[app]]` of
    /// the TOML file (it is handed to that reader), its Secret references
    /// pointing into `namespace` (the AirApp's); `Err` holds every
    /// problem, one per line, without TOML line numbers.
    pub fn to_app_config(&self, name: &str, namespace: &str) -> Result<AppConfig, String> {
        let mut app = toml::Table::new();
        app.insert("name".into(), toml::Value::String(name.into()));
        let toml::Value::Table(spec) = toml::Value::try_from(self).map_err(|e| e.to_string())?
        else {
            return Err("the spec is not an object".into());
        };
        for (key, value) in spec {
            // Secret references are not keys of the TOML reader.
            if SECRET_FIELDS.contains(&key.as_str()) {
                continue;
            }
            app.insert(air_compiler::model::snake_case(&key), value);
        }
        let secrets = self.secret_refs(namespace);
        let app = self.parse_app(app);
        if let (Err(a), Err(b)) = (&app, &secrets) {
            return Err(format!("{a}\n{b}"));
        }
        let secrets = secrets?;
        let mut app = app?;
        app.secrets = secrets;
        Ok(app)
    }

    /// The Secret references, in `namespace`; names and keys checked.
    fn secret_refs(&self, namespace: &str) -> Result<Option<SecretRefs>, String> {
        let refs = SecretRefs {
            namespace: namespace.to_string(),
            token: self.token_secret.clone(),
            ssh_key: self.ssh_key_secret.clone(),
            ssh_key_passphrase: self.ssh_key_passphrase_secret.clone(),
            known_hosts: self.known_hosts_secret.clone(),
        };
        let all = [
            (
                "tokenSecret",
                &refs.token,
                "tokenEnv",
                self.token_env.is_some(),
            ),
            (
                "sshKeySecret",
                &refs.ssh_key,
                "sshKey",
                self.ssh_key.is_some(),
            ),
            (
                "sshKeyPassphraseSecret",
                &refs.ssh_key_passphrase,
                "sshKeyPassphraseEnv",
                self.ssh_key_passphrase_env.is_some(),
            ),
            (
                "knownHostsSecret",
                &refs.known_hosts,
                "knownHosts",
                self.known_hosts.is_some(),
            ),
        ];
        let mut errors = Vec::new();
        for (field, r, replaced, both) in all {
            let Some(r) = r else { continue };
            if both {
                errors.push(format!(
                    "this AirApp sets both `{field}` and `{replaced}` (keep one)"
                ));
            }
            if !is_secret_name(&r.name) {
                errors.push(format!(
                    "`{field}.name` `{}` is not a valid Secret name",
                    r.name
                ));
            }
            if r.key.is_empty()
                || r.key.len() > 253
                || !r
                    .key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            {
                errors.push(format!(
                    "`{field}.key` `{}` is not a valid Secret key (letters, digits, '-', '_', '.')",
                    r.key
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors.join("\n"));
        }
        Ok((!refs.is_empty()).then_some(refs))
    }

    fn parse_app(&self, app: toml::Table) -> Result<AppConfig, String> {
        let mut doc = toml::Table::new();
        doc.insert(
            "app".into(),
            toml::Value::Array(vec![toml::Value::Table(app)]),
        );
        let text = toml::to_string(&doc).map_err(|e| e.to_string())?;
        match config::parse(&text) {
            Ok(mut c) if c.apps.len() == 1 => Ok(c.apps.remove(0)),
            Ok(_) => Err("the spec does not describe one app".into()),
            Err(e) => Err(e
                .errors
                .iter()
                .map(|e| match &e.help {
                    Some(h) => format!("{} ({h})", spec_words(&e.message)),
                    None => spec_words(&e.message),
                })
                .collect::<Vec<_>>()
                .join("\n")),
        }
    }
}

/// A Kubernetes object name (DNS subdomain): lowercase letters, digits,
/// '-' and '.', alphanumeric at both ends, at most 253 characters.
fn is_secret_name(name: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    !name.is_empty()
        && name.len() <= 253
        && name.starts_with(alnum)
        && name.ends_with(alnum)
        && name.chars().all(|c| alnum(c) || c == '-' || c == '.')
}

/// `self_heal` → `selfHeal` in a message from the TOML reader, so it
/// names the spec's fields.
fn spec_words(message: &str) -> String {
    let mut out = message.to_string();
    for key in config::APP_KEYS.iter().filter(|k| k.contains('_')) {
        out = out.replace(&format!("`{key}`"), &format!("`{}`", camel_case(key)));
    }
    out.replace("this app", "this AirApp")
}

fn camel_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

impl AirAppStatus {
    /// The cluster-side summary of an app's status.
    pub fn from_app(status: &AppStatus, generation: Option<i64>) -> AirAppStatus {
        let errors = status
            .diagnostics
            .iter()
            .filter(|d| d.severity == air_compiler::Severity::Error)
            .count();
        AirAppStatus {
            observed_generation: generation,
            sync: status.sync.to_string(),
            health: Some(status.health.to_string()),
            revision: status.revision.clone(),
            fetched_revision: status.fetched_revision.clone(),
            objects: u32::try_from(status.objects.len()).unwrap_or(u32::MAX),
            drifted: u32::try_from(status.drifted.len()).unwrap_or(u32::MAX),
            errors: u32::try_from(errors).unwrap_or(u32::MAX),
            message: status
                .last_error
                .as_ref()
                .map(|e| format!("{:?} failed: {}", e.stage, e.message)),
        }
    }

    /// The status of a spec the controller refuses.
    pub fn invalid(message: String, generation: Option<i64>) -> AirAppStatus {
        AirAppStatus {
            observed_generation: generation,
            sync: INVALID.into(),
            message: Some(message),
            ..AirAppStatus::default()
        }
    }
}

/// Writes an app's status into its AirApp's `.status` (a merge patch of
/// the status subresource), only when the summary changed.
pub struct StatusWriter {
    pub namespace: String,
    pub name: String,
    pub generation: Option<i64>,
    written: Option<AirAppStatus>,
}

impl StatusWriter {
    pub fn new(namespace: &str, name: &str, generation: Option<i64>) -> StatusWriter {
        StatusWriter {
            namespace: namespace.to_string(),
            name: name.to_string(),
            generation,
            written: None,
        }
    }

    pub async fn write(&mut self, cluster: &Cluster, status: &AppStatus) {
        let next = AirAppStatus::from_app(status, self.generation);
        if self.written.as_ref() == Some(&next) {
            return;
        }
        match patch_status(cluster, &self.namespace, &self.name, &next).await {
            Ok(()) => self.written = Some(next),
            // Retried at the next publish (the summary still differs).
            Err(e) => {
                tracing::debug!(airapp = %self.name, error = %e, "cannot write AirApp status")
            }
        }
    }
}

/// Merge-patch `.status` of AirApp `namespace/name`.
pub async fn patch_status(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    status: &AirAppStatus,
) -> Result<(), kube::Error> {
    let api: Api<AirApp> = Api::namespaced(cluster.client().clone(), namespace);
    let patch = serde_json::json!({ "status": status });
    api.patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map(|_| ())
}

/// The AirApp CustomResourceDefinition, as deploy/crd-airapp.yaml holds it.
pub fn crd_yaml() -> String {
    let crd = serde_json::to_value(AirApp::crd()).unwrap_or_default();
    format!(
        "# Generated by `air crd` from reconciler/src/controller/airapp.rs: do not edit.\n{}",
        air_compiler::emit::yaml::to_yaml(&crd, air_compiler::emit::yaml::KeyOrder::Sorted)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::GitRef;

    fn spec() -> AirAppSpec {
        AirAppSpec {
            repo: "https://git.example.com/media.git".into(),
            branch: Some("main".into()),
            path: Some("apps/media".into()),
            interval: Some("1m".into()),
            self_heal: Some(false),
            ..AirAppSpec::default()
        }
    }

    #[test]
    fn spec_means_what_the_toml_means() {
        let app = spec()
            .to_app_config("media", "air-system")
            .expect("valid spec");
        assert_eq!(app.name, "media");
        assert_eq!(app.path, "apps/media");
        assert_eq!(app.source.reference, GitRef::Branch("main".into()));
        assert_eq!(app.interval, std::time::Duration::from_secs(60));
        assert!(!app.self_heal && app.prune && !app.suspend);
    }

    #[test]
    fn invalid_specs_say_why_in_the_spec_words() {
        let mut two_refs = spec();
        two_refs.tag = Some("v1".into());
        let e = two_refs.to_app_config("media", "air-system").unwrap_err();
        assert!(
            e.contains("this AirApp sets both `branch` and `tag`"),
            "{e}"
        );

        let mut bad = spec();
        bad.branch = None;
        bad.interval = Some("soon".into());
        bad.namespace = Some("Not_A_Name".into());
        let e = bad.to_app_config("media", "air-system").unwrap_err();
        assert!(e.contains("names no ref"), "{e}");
        assert!(e.contains("`soon` is not a duration"), "{e}");
        assert!(e.contains("namespace `Not_A_Name`"), "{e}");

        let e = spec().to_app_config("Media", "air-system").unwrap_err();
        assert!(e.contains("not a valid Kubernetes name"), "{e}");
    }

    #[test]
    fn crd_is_namespaced_with_status_and_columns() {
        let yaml = crd_yaml();
        assert!(yaml.contains("scope: Namespaced"), "{yaml}");
        assert!(yaml.contains("subresources:\n        status: {}"), "{yaml}");
        assert!(yaml.contains("selfHeal:"), "{yaml}");
        assert!(yaml.contains("jsonPath: '.status.revision'"), "{yaml}");
    }

    /// deploy/ ships the CRD these types generate (`air crd > deploy/crd-airapp.yaml`).
    #[test]
    fn deploy_holds_the_generated_crd() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/crd-airapp.yaml");
        let shipped = std::fs::read_to_string(&path).unwrap();
        assert!(
            shipped == crd_yaml(),
            "deploy/crd-airapp.yaml is stale: run `cargo run -p air-cli -- crd > deploy/crd-airapp.yaml`"
        );
    }

    #[test]
    fn case_conversions() {
        for key in config::APP_KEYS {
            assert_eq!(air_compiler::model::snake_case(&camel_case(key)), *key);
        }
        assert_eq!(camel_case("ssh_key_passphrase_env"), "sshKeyPassphraseEnv");
    }
}
