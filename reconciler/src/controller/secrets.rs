//! Git credentials an AirApp takes from Kubernetes Secrets: which keys of
//! which Secrets (`tokenSecret`, `sshKeySecret`, …), and reading them
//! through the API before each fetch.
//!
//! Rules (docs/security.md, "Credentials from Secrets"):
//! - only Secrets of the AirApp's own namespace: whoever may create an
//!   AirApp there may read that namespace's Secrets through air anyway, and
//!   nobody can point air at another team's Secret;
//! - read again before every fetch, so a rotated Secret is used at the
//!   next fetch without restarting anything;
//! - a missing Secret, a missing key or a refused read is a fetch failure
//!   whose message names the Secret and the key — never a value.

use crate::cluster::Cluster;
use crate::git::SecretMaterial;
// Secret values; `Secret` is the Kubernetes object here.
use crate::secret::Secret as SecretValue;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why an app's credentials could not be read from its Secrets. Messages
/// name the Secret and the key, never a value.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("{shown} does not exist; create it in namespace `{namespace}`")]
    Missing { shown: String, namespace: String },
    #[error(
        "the controller may not read {shown}: its Role needs `get` on secrets in namespace `{namespace}` (deploy/rbac.yaml)"
    )]
    Forbidden { shown: String, namespace: String },
    /// The read itself failed (the API unreachable, a server error).
    #[error("cannot read {shown}: {source}")]
    Unreadable { shown: String, source: kube::Error },
    /// The Secret is there, its key is missing, empty or not text.
    #[error("{0}")]
    BadKey(String),
}

/// One key of a Secret in the AirApp's namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SecretKeyRef {
    /// The Secret's name.
    pub name: String,
    /// The key of its `data` holding the value.
    pub key: String,
}

/// Where an app's Git credentials come from, when they come from Secrets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretRefs {
    /// The AirApp's namespace: the only one its Secrets are read from.
    pub namespace: String,
    /// https: the token (basic-auth password; user `tokenUser`).
    pub token: Option<SecretKeyRef>,
    /// ssh: the private key.
    pub ssh_key: Option<SecretKeyRef>,
    /// ssh: the private key's passphrase.
    pub ssh_key_passphrase: Option<SecretKeyRef>,
    /// ssh: known_hosts lines.
    pub known_hosts: Option<SecretKeyRef>,
}

impl SecretRefs {
    pub fn is_empty(&self) -> bool {
        self.token.is_none()
            && self.ssh_key.is_none()
            && self.ssh_key_passphrase.is_none()
            && self.known_hosts.is_none()
    }

    /// Read every referenced key (each Secret once). `Err` says which
    /// Secret or key is missing or unreadable, and never holds a value.
    pub async fn read(&self, cluster: &Cluster) -> Result<SecretMaterial, SecretsError> {
        let api: Api<Secret> = Api::namespaced(cluster.client().clone(), &self.namespace);
        let mut secrets: BTreeMap<String, Secret> = BTreeMap::new();
        let mut material = SecretMaterial::default();
        let fields = [
            ("tokenSecret", &self.token),
            ("sshKeySecret", &self.ssh_key),
            ("sshKeyPassphraseSecret", &self.ssh_key_passphrase),
            ("knownHostsSecret", &self.known_hosts),
        ];
        for (field, reference) in fields {
            let Some(r) = reference else { continue };
            if !secrets.contains_key(&r.name) {
                let secret = api
                    .get(&r.name)
                    .await
                    .map_err(|e| self.get_error(field, r, e))?;
                secrets.insert(r.name.clone(), secret);
            }
            let value = self.value(field, r, &secrets[&r.name])?;
            let origin = format!("Secret `{}/{}`, key `{}`", self.namespace, r.name, r.key);
            // A token or passphrase written with `echo` ends in a newline
            // that is not part of it; a key file's last newline is.
            let line = || SecretValue::from(value.expose().trim_end_matches(['\n', '\r']));
            material = match field {
                "tokenSecret" => material.with_token(line(), origin),
                "sshKeySecret" => material.with_ssh_key(value, origin),
                "sshKeyPassphraseSecret" => material.with_ssh_key_passphrase(line(), origin),
                _ => material.with_known_hosts(value, origin),
            };
        }
        Ok(material)
    }

    fn shown(&self, field: &str, r: &SecretKeyRef) -> String {
        format!("Secret `{}/{}` (`{field}`)", self.namespace, r.name)
    }

    fn get_error(&self, field: &str, r: &SecretKeyRef, e: kube::Error) -> SecretsError {
        let shown = self.shown(field, r);
        let namespace = self.namespace.clone();
        match e {
            kube::Error::Api(s) if s.code == 404 => SecretsError::Missing { shown, namespace },
            kube::Error::Api(s) if s.code == 403 => SecretsError::Forbidden { shown, namespace },
            // kube's message carries the API's reason, not the Secret's data.
            source => SecretsError::Unreadable { shown, source },
        }
    }

    fn value(
        &self,
        field: &str,
        r: &SecretKeyRef,
        secret: &Secret,
    ) -> Result<SecretValue, SecretsError> {
        let shown = self.shown(field, r);
        let data = secret.data.as_ref();
        let Some(bytes) = data.and_then(|d| d.get(&r.key)) else {
            let keys: Vec<&str> = data
                .map(|d| d.keys().map(String::as_str).collect())
                .unwrap_or_default();
            return Err(SecretsError::BadKey(format!(
                "{shown} has no key `{}` (its keys: {})",
                r.key,
                if keys.is_empty() {
                    "none".to_string()
                } else {
                    keys.join(", ")
                }
            )));
        };
        match String::from_utf8(bytes.0.clone()) {
            Ok(v) if !v.trim().is_empty() => Ok(SecretValue::new(v)),
            Ok(_) => Err(SecretsError::BadKey(format!(
                "key `{}` of {shown} is empty",
                r.key
            ))),
            Err(_) => Err(SecretsError::BadKey(format!(
                "key `{}` of {shown} is not UTF-8 text",
                r.key
            ))),
        }
    }
}
