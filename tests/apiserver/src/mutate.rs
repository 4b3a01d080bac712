//! Create, update, patch and delete, with dry run and no-op detection.
//!
//! Every write runs first against a scratch fake client seeded with the one
//! object it touches. That run validates the request and computes the
//! result without touching the real store, which gives us:
//! - `dryRun=All` (answer the scratch result, store nothing);
//! - no-op detection (a re-apply that changes nothing is not stored and not
//!   broadcast; the fake alone would bump resourceVersion and generation);
//! - validation of the result before it is stored.
//!
//! Only then does the same request go to the real store.

use crate::conflict;
use crate::managed;
use crate::path::ResourcePath;
use crate::status::ApiError;
use crate::store::{Store, fresh_client, meta_str, resource_version, send};
use crate::validate;
use crate::watch::Event;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use std::hash::{BuildHasher, Hasher};

pub const APPLY: &str = "application/apply-patch+yaml";
pub const MERGE: &str = "application/merge-patch+json";
pub const JSON_PATCH: &str = "application/json-patch+json";
pub const STRATEGIC: &str = "application/strategic-merge-patch+json";

/// One create (POST), update (PUT) or patch (PATCH).
#[derive(Debug, Clone)]
pub struct Write {
    pub method: Method,
    pub path: ResourcePath,
    /// Normalised content type of a patch (one of the constants above).
    pub patch_type: Option<&'static str>,
    pub body: Value,
    pub field_manager: Option<String>,
    pub force: bool,
    pub dry_run: bool,
    /// The client's User-Agent: names the manager of a non-apply write
    /// without `fieldManager` (`kubectl/v1.32` → `kubectl`).
    pub user_agent: Option<String>,
}

/// Run a write; the answer's status code and object.
pub async fn write(store: &Store, mut w: Write) -> Result<(StatusCode, Value), ApiError> {
    let apply = w.patch_type == Some(APPLY);
    let is_patch = w.method == Method::PATCH;
    if w.method == Method::POST {
        prepare_create(&mut w)?;
    }
    if !is_patch || matches!(w.patch_type, Some(APPLY | MERGE | STRATEGIC)) {
        validate::body_matches_url(&w.path, &w.body, apply)?;
    }
    if apply && w.field_manager.as_deref().is_none_or(str::is_empty) {
        return Err(ApiError::invalid(
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
        ));
    }
    if w.force && !apply {
        return Err(ApiError::invalid(
            "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch",
        ));
    }

    let _guard = store.lock.lock().await;
    let existing = store.get(&w.path).await?;
    if w.method == Method::POST {
        if existing.is_some() {
            let name = w.path.name.as_deref().unwrap_or("");
            return Err(ApiError::new(
                409,
                "AlreadyExists",
                format!("{} {name:?} already exists", resource_label(&w.path)),
            ));
        }
        ensure_namespace(store, &w.path).await?;
    }
    if w.method != Method::POST && existing.is_none() && !apply {
        return Err(not_found(&w.path));
    }
    if apply && existing.is_none() {
        if w.path.is_status() {
            return Err(not_found(&w.path));
        }
        ensure_namespace(store, &w.path).await?;
    }
    if let Some(current) = &existing {
        check_resource_version(&w.path, &w.body, current)?;
    }

    let result = scratch_run(&w, existing.as_ref()).await?;
    validate::object(&w.path, &result)?;
    let created = existing.is_none();
    let code = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    if w.dry_run {
        let mut answer = result;
        let rv = existing
            .as_ref()
            .map(|e| meta_str(e, "resourceVersion").to_string())
            .unwrap_or_default();
        if let Some(meta) = answer.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), json!(rv));
        }
        return Ok((code, answer));
    }
    if let Some(current) = &existing
        && same_content(current, &result)
    {
        return Ok((StatusCode::OK, current.clone()));
    }

    let mut body = w.body.clone();
    if !apply {
        record_update(&w, existing.as_ref(), &result, &mut body);
    }
    let stored = send(
        store.client(),
        w.method.clone(),
        &fake_uri(&w),
        content_type(&w),
        body_bytes(&body)?,
    )
    .await?;
    store.hub.publish(Event {
        rv: resource_version(&stored),
        kind: w.path.kind,
        event_type: if created { "ADDED" } else { "MODIFIED" },
        object: stored.clone(),
        old: existing,
    });
    Ok((code, stored))
}

/// Delete one object. The caller holds the store lock.
pub async fn delete_locked(
    store: &Store,
    path: &ResourcePath,
    options: &Value,
    dry_run: bool,
) -> Result<Value, ApiError> {
    let Some(existing) = store.get(path).await? else {
        return Err(not_found(path));
    };
    let pre = options.get("preconditions");
    let name = path.name.as_deref().unwrap_or("");
    if let Some(rv) = pre
        .and_then(|p| p.get("resourceVersion"))
        .and_then(Value::as_str)
        && rv != meta_str(&existing, "resourceVersion")
    {
        return Err(modified_conflict(path, name));
    }
    if let Some(uid) = pre.and_then(|p| p.get("uid")).and_then(Value::as_str)
        && uid != meta_str(&existing, "uid")
    {
        return Err(ApiError::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} {name:?}: Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                resource_label(path),
                meta_str(&existing, "uid")
            ),
        ));
    }
    if dry_run {
        return Ok(existing);
    }
    // A deletion is a change and gets a fresh resourceVersion on a real
    // server; the fake hands one out only on writes, so write once first.
    let mut plain = path.clone();
    plain.subresource = None;
    send(
        store.client(),
        Method::PUT,
        &plain.fake_path(),
        Some("application/json"),
        body_bytes(&existing)?,
    )
    .await?;
    // Orphan: the fake would otherwise delete dependents (ownerReferences)
    // silently, with no watch events; there is no garbage collector here.
    let deleted = send(
        store.client(),
        Method::DELETE,
        &format!("{}?propagationPolicy=Orphan", plain.fake_path()),
        None,
        Vec::new(),
    )
    .await?;

    store.hub.publish(Event {
        rv: resource_version(&deleted),
        kind: path.kind,
        event_type: "DELETED",
        object: deleted.clone(),
        old: None,
    });
    Ok(deleted)
}

/// Add the writer's `Update` entry to `managedFields` by making the
/// request itself carry the new list.
fn record_update(w: &Write, existing: Option<&Value>, result: &Value, body: &mut Value) {
    let manager = w
        .field_manager
        .clone()
        .filter(|m| !m.is_empty())
        .or_else(|| {
            w.user_agent
                .as_deref()
                .and_then(|ua| ua.split('/').next())
                .filter(|m| !m.is_empty())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "unknown".to_string());
    let sub = if w.path.is_status() { "status" } else { "" };
    let now = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let Some(fields) = managed::after_update(
        existing,
        result,
        &manager,
        &w.path.kind.api_version(),
        sub,
        &now,
    ) else {
        return;
    };
    if w.patch_type == Some(JSON_PATCH) {
        if let Some(ops) = body.as_array_mut() {
            ops.push(json!({"op": "add", "path": "/metadata/managedFields", "value": fields}));
        }
    } else if let Some(obj) = body.as_object_mut()
        && let Some(meta) = obj
            .entry("metadata")
            .or_insert_with(|| json!({}))
            .as_object_mut()
    {
        meta.insert("managedFields".into(), fields);
    }
}

/// Fill the name from generateName and the namespace from the URL.
fn prepare_create(w: &mut Write) -> Result<(), ApiError> {
    let Some(meta) = w.body.get_mut("metadata").and_then(Value::as_object_mut) else {
        return Err(ApiError::invalid(format!(
            "{} \"\" is invalid: metadata.name: Required value: name or generateName is required",
            w.path.kind.kind
        )));
    };
    let name = meta.get("name").and_then(Value::as_str).unwrap_or("");
    let name = if name.is_empty() {
        let prefix = meta
            .get("generateName")
            .and_then(Value::as_str)
            .unwrap_or("");
        if prefix.is_empty() {
            return Err(ApiError::invalid(format!(
                "{} \"\" is invalid: metadata.name: Required value: name or generateName is required",
                w.path.kind.kind
            )));
        }
        let generated = format!("{prefix}{}", random_suffix());
        meta.insert("name".into(), json!(generated));
        generated
    } else {
        name.to_string()
    };
    if let Some(ns) = &w.path.namespace {
        meta.entry("namespace").or_insert_with(|| json!(ns));
    }
    w.path.name = Some(name);
    Ok(())
}

/// Five characters like the real generateName suffix.
fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut n = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (0..5)
        .map(|_| {
            let c = ALPHABET[(n % ALPHABET.len() as u64) as usize];
            n /= ALPHABET.len() as u64;
            c as char
        })
        .collect()
}

/// Objects can only be created in a namespace that exists.
async fn ensure_namespace(store: &Store, path: &ResourcePath) -> Result<(), ApiError> {
    let Some(ns) = &path.namespace else {
        return Ok(());
    };
    let ns_path = ResourcePath::parse(&format!("/api/v1/namespaces/{ns}"))
        .map_err(|_| ApiError::bad_request(format!("invalid namespace {ns:?}")))?;
    match store.get(&ns_path).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::not_found(format!("namespaces {ns:?} not found"))),
    }
}

/// A body (or SSA/merge patch) that carries a resourceVersion is a
/// precondition, checked before the fake sees it.
fn check_resource_version(
    path: &ResourcePath,
    body: &Value,
    current: &Value,
) -> Result<(), ApiError> {
    let wanted = body
        .get("metadata")
        .and_then(|m| m.get("resourceVersion"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if !wanted.is_empty() && wanted != meta_str(current, "resourceVersion") {
        return Err(modified_conflict(
            path,
            path.name.as_deref().unwrap_or_default(),
        ));
    }
    Ok(())
}

fn modified_conflict(path: &ResourcePath, name: &str) -> ApiError {
    ApiError::new(
        409,
        "Conflict",
        format!(
            "Operation cannot be fulfilled on {} {name:?}: the object has been modified; please apply your changes to the latest version and try again",
            resource_label(path)
        ),
    )
}

/// `configmaps`, `services.serving.knative.dev`: how messages name a resource.
pub fn resource_label(path: &ResourcePath) -> String {
    if path.kind.group.is_empty() {
        path.kind.plural.to_string()
    } else {
        format!("{}.{}", path.kind.plural, path.kind.group)
    }
}

pub fn not_found(path: &ResourcePath) -> ApiError {
    let name = path.name.as_deref().unwrap_or("");
    ApiError::not_found(format!("{} {name:?} not found", resource_label(path)))
        .with_details(json!({"name": name, "group": path.kind.group, "kind": path.kind.plural}))
}

/// The write against a throwaway fake that holds only `existing`.
async fn scratch_run(w: &Write, existing: Option<&Value>) -> Result<Value, ApiError> {
    let scratch = fresh_client().await?;
    if let Some(current) = existing {
        // Seed without resourceVersion (a create assigns its own); the
        // precondition was already checked against the real one.
        let mut seed = current.clone();
        strip_resource_version(&mut seed);
        let mut collection = w.path.clone();
        collection.name = None;
        collection.subresource = None;
        send(
            &scratch,
            Method::POST,
            &collection.fake_path(),
            Some("application/json"),
            body_bytes(&seed)?,
        )
        .await?;
    }
    let mut body = w.body.clone();
    if w.patch_type != Some(JSON_PATCH) {
        strip_resource_version(&mut body);
    }
    match send(
        &scratch,
        w.method.clone(),
        &fake_uri(w),
        content_type(w),
        body_bytes(&body)?,
    )
    .await
    {
        Ok(v) => Ok(v),
        Err(e) if e.code == 409 && w.patch_type == Some(APPLY) => {
            let manager = w.field_manager.as_deref().unwrap_or("");
            let sub = if w.path.is_status() { "status" } else { "" };
            let av = w.path.kind.api_version();
            Err(existing
                .and_then(|cur| conflict::explain(cur, &w.body, manager, sub, &av))
                .unwrap_or(e))
        }
        Err(e) => Err(e),
    }
}

fn strip_resource_version(v: &mut Value) {
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("resourceVersion");
    }
}

/// Equal apart from what every write changes (resourceVersion, generation,
/// managedFields timestamps).
fn same_content(a: &Value, b: &Value) -> bool {
    normalise(a) == normalise(b)
}

fn normalise(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("resourceVersion");
        meta.remove("generation");
        if let Some(Value::Array(entries)) = meta.get_mut("managedFields") {
            for e in entries.iter_mut() {
                if let Some(e) = e.as_object_mut() {
                    e.remove("time");
                }
            }
            // The fake moves a re-applying manager's entry to the end.
            entries.sort_by_key(|e| {
                (
                    e.get("manager")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    e.get("subresource")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                )
            });
        }
    }
    v
}

fn fake_uri(w: &Write) -> String {
    let mut uri = w.path.fake_path();
    if w.method == Method::POST {
        // The fake routes creates to the collection URL.
        let mut collection = w.path.clone();
        collection.name = None;
        uri = collection.fake_path();
    }
    if w.patch_type == Some(APPLY) {
        let manager = w.field_manager.as_deref().unwrap_or("");
        uri.push_str(&format!(
            "?fieldManager={}&force={}",
            urlencoding::encode(manager),
            w.force
        ));
    }
    uri
}

fn content_type(w: &Write) -> Option<&'static str> {
    Some(w.patch_type.unwrap_or("application/json"))
}

fn body_bytes(v: &Value) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(v).map_err(|e| ApiError::internal(e.to_string()))
}
