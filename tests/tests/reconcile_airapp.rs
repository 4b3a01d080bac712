//! AirApp resources: the controller, told to watch a namespace, reconciles
//! the apps created there with kubectl, mirrors their status into
//! `.status`, restarts an app whose spec changes (its interval is an
//! hour, so only the restart can apply the change), refuses an invalid
//! spec with the reason in its status, and stops (leaving the objects) when
//! the AirApp is deleted. Real HTTP API server, real kubectl, real Git.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use air_tests::reconcile as reconcile_support;

use reconcile_support::{Kube, Reconciler, Repo, eventually, git, image, write_app};
use serde_json::Value;
use std::path::Path;

const NS: &str = "air-system";

/// `kubectl apply --server-side` of one object (JSON is YAML).
fn kubectl_apply(kube: &Kube, dir: &Path, name: &str, obj: &Value) {
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, obj.to_string()).unwrap();
    kube.kubectl(&["apply", "--server-side", "-f", file.to_str().unwrap()]);
}

fn airapp(name: &str, spec: Value) -> Value {
    serde_json::json!({
        "apiVersion": "air.dev/v1alpha1",
        "kind": "AirApp",
        "metadata": {"name": name, "namespace": NS},
        "spec": spec,
    })
}

/// The namespace the controller watches.
fn namespace(kube: &Kube, dir: &Path) {
    kubectl_apply(
        kube,
        dir,
        "ns",
        &serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}),
    );
}

async fn airapp_status(kube: &Kube, name: &str) -> Value {
    kube.get("air.dev/v1alpha1", "AirApp", NS, name)
        .await
        .map(|a| a["status"].clone())
        .unwrap_or(Value::Null)
}

/// Wait until AirApp `shop` reports `commit` in force and its Service
/// runs image tag `tag`.
async fn shop_applied(kube: &Kube, what: &str, commit: &str, tag: &str) {
    eventually(what, || async {
        let s = airapp_status(kube, "shop").await;
        let img = kube
            .ksvc("shop", "web")
            .await
            .map(|k| image(&k))
            .unwrap_or_default();
        if s["revision"] == commit && img.ends_with(&format!(":{tag}")) {
            Ok(())
        } else {
            Err(format!("{s} {img}"))
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn airapps_come_change_and_go() {
    if !air_tests::tools::require("kubectl", "kubernetes-client") {
        return;
    }
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::new(tmp.path(), "apps");
    write_app(&repo, "apps/shop", "shop", "shop", "1.0.0");
    let c1 = repo.commit("shop 1.0.0");
    // A release branch with a newer image.
    git(&repo.work, &["checkout", "-q", "-b", "release"]);
    write_app(&repo, "apps/shop", "shop", "shop", "2.0.0");
    git(&repo.work, &["commit", "-q", "-am", "shop 2.0.0"]);
    let c2 = git(&repo.work, &["rev-parse", "HEAD"]);
    git(
        &repo.work,
        &["push", "-q", repo.bare.to_str().unwrap(), "release"],
    );

    namespace(&kube, tmp.path());
    // No [[app]] at all: every app comes from AirApps.
    let rec = Reconciler::start(
        &format!("airapp_namespace = \"{NS}\"\n"),
        &kube.kubeconfig,
        &tmp.path().join("cache"),
        &[],
    );
    let spec = |branch: &str| {
        serde_json::json!({
            "repo": repo.file_url(),
            "branch": branch,
            "path": "apps/shop",
            "interval": "1h",
        })
    };

    // Created with kubectl → reconciled, status mirrored.
    kubectl_apply(&kube, tmp.path(), "shop", &airapp("shop", spec("main")));
    let status = eventually("the AirApp synced at main", || async {
        let s = airapp_status(&kube, "shop").await;
        if s["sync"] == "synced" && s["revision"] == c1.as_str() {
            Ok(s)
        } else {
            Err(s.to_string())
        }
    })
    .await;
    assert_eq!(
        image(&kube.ksvc("shop", "web").await.unwrap()),
        "registry.example.com/shop/web:1.0.0"
    );
    assert_eq!(status["errors"], 0);
    assert!(status["objects"].as_u64().unwrap() >= 3, "{status}");
    assert_eq!(rec.status("shop").revision.as_deref(), Some(c1.as_str()));

    // The spec changes: the task restarts on the new branch at once.
    kubectl_apply(&kube, tmp.path(), "shop", &airapp("shop", spec("release")));
    shop_applied(&kube, "the new branch applied", &c2, "2.0.0").await;

    // An invalid spec is refused, with the reason in its status, and no
    // app runs for it.
    let mut bad = spec("main");
    bad["tag"] = "v1".into();
    bad["interval"] = "soon".into();
    kubectl_apply(&kube, tmp.path(), "bad", &airapp("bad", bad));
    let refused = eventually("the invalid AirApp refused", || async {
        let s = airapp_status(&kube, "bad").await;
        if s["sync"] == "invalid" {
            Ok(s)
        } else {
            Err(s.to_string())
        }
    })
    .await;
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains("sets both `branch` and `tag`"),
        "{message}"
    );
    assert!(message.contains("`soon` is not a duration"), "{message}");
    assert!(rec.shared.status("bad").is_none());

    // Deleted → no longer reconciled nor listed; its objects stay.
    kube.kubectl(&["-n", NS, "delete", "airapp", "shop"]);
    eventually("the deleted AirApp forgotten", || async {
        let (_, body) = rec.http_get("/api/apps").await;
        if rec.shared.status("shop").is_none() && !body.contains("\"shop\"") {
            Ok(())
        } else {
            Err(body)
        }
    })
    .await;
    assert!(kube.ksvc("shop", "web").await.is_some(), "objects stay");

    // Created again under the same name: reconciled again.
    kubectl_apply(&kube, tmp.path(), "shop", &airapp("shop", spec("main")));
    shop_applied(&kube, "the re-created AirApp synced", &c1, "1.0.0").await;
    rec.stop();
}

/// `air reconcile --once` reconciles the AirApps too, and records their
/// status (and a refused one's reason) before it returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_runs_every_airapp_one_cycle() {
    if !air_tests::tools::require("kubectl", "kubernetes-client") {
        return;
    }
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::new(tmp.path(), "apps");
    write_app(&repo, "apps/shop", "shop", "shop", "1.0.0");
    let c1 = repo.commit("shop 1.0.0");
    let spec = serde_json::json!({"repo": repo.file_url(), "branch": "main", "path": "apps/shop"});
    namespace(&kube, tmp.path());
    kubectl_apply(&kube, tmp.path(), "shop", &airapp("shop", spec.clone()));
    // Same name as an app of the file: refused.
    kubectl_apply(&kube, tmp.path(), "legacy", &airapp("legacy", spec));
    let config = air_reconciler::config::parse(&format!(
        "airapp_namespace = \"{NS}\"\n[[app]]\nname = \"legacy\"\nrepo = \"{}\"\nbranch = \"main\"\npath = \"apps/shop\"\nsuspend = true\n",
        repo.file_url()
    ))
    .unwrap();
    let cache = air_reconciler::git::GitCache::new(tmp.path().join("cache"));
    let shared = air_reconciler::controller::Shared::new();
    let statuses =
        air_reconciler::controller::run(config, kube.cluster.clone(), cache, shared, true, async {
        })
        .await;
    let names: Vec<&str> = statuses.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["legacy", "shop"]);
    let shop = airapp_status(&kube, "shop").await;
    assert_eq!(shop["sync"], "synced", "{shop}");
    assert_eq!(shop["revision"], c1.as_str());
    let legacy = airapp_status(&kube, "legacy").await;
    assert_eq!(legacy["sync"], "invalid", "{legacy}");
    assert!(
        legacy["message"]
            .as_str()
            .unwrap()
            .contains("already configured in the reconciler's file"),
        "{legacy}"
    );
}

/// Secret `name` in the AirApps' namespace holding exactly `data`
/// (applied with kubectl, so a second call replaces the values).
fn secret(kube: &Kube, dir: &Path, name: &str, data: &[(&str, &str)]) {
    use base64::Engine as _;
    let data: serde_json::Map<String, Value> = data
        .iter()
        .map(|(k, v)| {
            let b64 = base64::engine::general_purpose::STANDARD.encode(v);
            ((*k).to_string(), Value::String(b64))
        })
        .collect();
    kubectl_apply(
        kube,
        dir,
        &format!("secret-{name}"),
        &serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": name, "namespace": NS}, "data": data}),
    );
}

/// A Secret `git-creds` in the AirApps' namespace holding `token`.
fn git_secret(kube: &Kube, dir: &Path, token: &str) {
    secret(kube, dir, "git-creds", &[("token", token)]);
}

/// Wait until AirApp `shop` reports `failed` with a message containing
/// `text`; the message.
async fn shop_failed_with(kube: &Kube, text: &str) -> String {
    eventually(text, || async {
        let s = airapp_status(kube, "shop").await;
        let m = s["message"].as_str().unwrap_or_default().to_string();
        if s["sync"] == "failed" && m.contains(text) {
            Ok(m)
        } else {
            Err(s.to_string())
        }
    })
    .await
}

/// `tokenSecret`: the token comes from a Secret of the AirApp's namespace,
/// read before each fetch — a missing Secret and a wrong token fail with a
/// status saying which Secret, the fixed Secret is used at the next fetch,
/// all without restarting the app (its interval is an hour: only the
/// trigger fetches again) or the controller; no value ever shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn airapp_token_from_a_secret_rotates_without_restart() {
    if !air_tests::tools::require("kubectl", "kubernetes-client") {
        return;
    }
    const TOKEN: &str = "tok-5e1f0a9b3c7d2e64";
    const WRONG: &str = "tok-wrong-8c4a2f6d";
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::new(tmp.path(), "apps");
    write_app(&repo, "apps/shop", "shop", "shop", "1.0.0");
    let c1 = repo.commit("shop 1.0.0");
    let server = air_tests::git::http::HttpGit::start(tmp.path(), TOKEN);
    namespace(&kube, tmp.path());
    let rec = Reconciler::start(
        &format!("airapp_namespace = \"{NS}\"\n"),
        &kube.kubeconfig,
        &tmp.path().join("cache"),
        &[],
    );
    let spec = serde_json::json!({
        "repo": server.url("apps.git"),
        "branch": "main",
        "path": "apps/shop",
        "interval": "1h",
        "tokenSecret": {"name": "git-creds", "key": "token"},
    });
    kubectl_apply(&kube, tmp.path(), "shop", &airapp("shop", spec));

    // No Secret yet: a status that names it.
    shop_failed_with(
        &kube,
        "Secret `air-system/git-creds` (`tokenSecret`) does not exist",
    )
    .await;

    // A wrong token: refused by the server, the Secret named, not the value.
    git_secret(&kube, tmp.path(), WRONG);
    rec.trigger("shop").await;
    let m = shop_failed_with(
        &kube,
        "the server rejected the token (from Secret `air-system/git-creds`, key `token`)",
    )
    .await;
    assert!(!m.contains(WRONG), "{m}");

    // Rotated to the right token: the next fetch uses it.
    git_secret(&kube, tmp.path(), TOKEN);
    rec.trigger("shop").await;
    shop_applied(&kube, "synced with the rotated token", &c1, "1.0.0").await;

    // No value anywhere: status, API, dashboard, logs, Events.
    let (_, api) = rec.http_get("/api/apps").await;
    let (_, page) = rec.http_get("/").await;
    let status = airapp_status(&kube, "shop").await.to_string();
    let events = kube.events("shop").join("\n") + &kube.events(NS).join("\n");
    for text in [api, page, status, events, reconcile_support::logs()] {
        for secret in [TOKEN, WRONG] {
            assert!(!text.contains(secret), "{secret} shown: {text}");
        }
    }
    rec.stop();
}

/// `sshKeySecret`, `sshKeyPassphraseSecret`, `knownHostsSecret`: an ssh
/// remote (a real sshd on loopback) with the key, its passphrase and
/// known_hosts all from one Secret of the AirApp's namespace, read before
/// each fetch. A known_hosts that does not hold the server's key is refused
/// (nothing applied, the Secret named); once the server accepts only a new
/// key, the old one in the Secret is refused; replacing the Secret's key
/// (rotation) is used at the next fetch, without restarting the app (same
/// generation, an interval of an hour: only the trigger fetches) or the
/// controller. No key or passphrase ever shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn airapp_ssh_key_from_a_secret_rotates_without_restart() {
    use air_tests::git::ssh::{Sshd, keygen};
    if !air_tests::tools::require("kubectl", "kubernetes-client")
        || !air_tests::git::ssh::available()
    {
        return;
    }
    const PASSPHRASE: &str = "pass-7c2e9a4f1b8d6e30";
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::new(tmp.path(), "apps");
    write_app(&repo, "apps/shop", "shop", "shop", "1.0.0");
    let c1 = repo.commit("shop 1.0.0");
    let (old_key, new_key) = (tmp.path().join("id_old"), tmp.path().join("id_new"));
    keygen(&old_key, "");
    keygen(&new_key, PASSPHRASE);
    let sshd = Sshd::start(&tmp.path().join("sshd"), &[&old_key.with_extension("pub")]);
    // Another host key under the server's name: what an impostor shows.
    keygen(&tmp.path().join("impostor"), "");
    let impostor = std::fs::read_to_string(tmp.path().join("impostor.pub")).unwrap();
    let wrong_hosts = format!("{} {impostor}", sshd.host());
    let read = |p: &Path| std::fs::read_to_string(p).unwrap();
    let (old_text, new_text) = (read(&old_key), read(&new_key));
    let creds = |key: &str, known_hosts: &str| {
        secret(
            &kube,
            tmp.path(),
            "git-ssh",
            &[
                ("ssh-privatekey", key),
                ("passphrase", PASSPHRASE),
                ("known_hosts", known_hosts),
            ],
        );
    };
    namespace(&kube, tmp.path());
    creds(&old_text, &sshd.known_hosts_line());
    let rec = Reconciler::start(
        &format!("airapp_namespace = \"{NS}\"\n"),
        &kube.kubeconfig,
        &tmp.path().join("cache"),
        &[],
    );
    let key_ref = |key: &str| serde_json::json!({"name": "git-ssh", "key": key});
    let spec = serde_json::json!({
        "repo": sshd.url(&repo.bare),
        "branch": "main",
        "path": "apps/shop",
        "interval": "1h",
        "sshKeySecret": key_ref("ssh-privatekey"),
        "sshKeyPassphraseSecret": key_ref("passphrase"),
        "knownHostsSecret": key_ref("known_hosts"),
    });
    kubectl_apply(&kube, tmp.path(), "shop", &airapp("shop", spec));
    shop_applied(&kube, "synced over ssh with the Secret's key", &c1, "1.0.0").await;

    // A new commit, but the Secret's known_hosts holds another key for the
    // host: refused before any login, the Secret named, nothing applied.
    write_app(&repo, "apps/shop", "shop", "shop", "2.0.0");
    let c2 = repo.commit("shop 2.0.0");
    creds(&old_text, &wrong_hosts);
    rec.trigger("shop").await;
    let m = shop_failed_with(
        &kube,
        "does NOT match the known_hosts file from Secret `air-system/git-ssh`, key `known_hosts`",
    )
    .await;
    assert!(m.contains(&sshd.host()), "{m}");
    let s = airapp_status(&kube, "shop").await;
    assert_eq!(s["revision"], c1.as_str(), "{s}");
    assert!(image(&kube.ksvc("shop", "web").await.unwrap()).ends_with(":1.0.0"));

    // The server now accepts only the new key; the Secret still holds the
    // old one: refused, and the message says which key.
    sshd.authorize(&[&new_key.with_extension("pub")]);
    creds(&old_text, &sshd.known_hosts_line());
    rec.trigger("shop").await;
    shop_failed_with(
        &kube,
        "did not accept the ssh key from Secret `air-system/git-ssh`, key `ssh-privatekey`",
    )
    .await;

    // Rotated: the Secret holds the new (encrypted) key; the next fetch
    // uses it.
    creds(&new_text, &sshd.known_hosts_line());
    rec.trigger("shop").await;
    shop_applied(&kube, "synced with the rotated key", &c2, "2.0.0").await;
    let s = airapp_status(&kube, "shop").await;
    assert_eq!(s["observedGeneration"], 1, "the app was not restarted: {s}");

    // No key or passphrase anywhere: status, API, dashboard, logs, Events.
    let (_, api) = rec.http_get("/api/apps").await;
    let (_, page) = rec.http_get("/").await;
    let status = airapp_status(&kube, "shop").await.to_string();
    let events = kube.events("shop").join("\n") + &kube.events(NS).join("\n");
    // The body of each key: its base64 lines between the armour lines
    // (long enough not to occur by chance).
    let bodies: Vec<&str> = [&old_text, &new_text]
        .into_iter()
        .flat_map(|k| {
            k.lines()
                .filter(|l| !l.starts_with("-----") && l.len() >= 20)
        })
        .collect();
    for text in [api, page, status, events, reconcile_support::logs()] {
        assert!(!text.contains(PASSPHRASE), "passphrase shown: {text}");
        for line in &bodies {
            assert!(!text.contains(line), "key shown: {text}");
        }
    }
    rec.stop();
}

/// `suspend`: while set, nothing is fetched (the Git server sees no
/// request) and drift is not healed, even on a trigger — checked once the
/// controller says it has handled that trigger (`handled_trigger` in the
/// app's status), not after a guessed delay; cleared, the app fetches the
/// new commit, applies it, and heals the drift.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspend_does_nothing_until_cleared() {
    if !air_tests::tools::require("kubectl", "kubernetes-client") {
        return;
    }
    const TOKEN: &str = "tok-9a8b7c6d5e4f3a21";
    let kube = Kube::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::new(tmp.path(), "apps");
    write_app(&repo, "apps/shop", "shop", "shop", "1.0.0");
    let c1 = repo.commit("shop 1.0.0");
    let server = air_tests::git::http::HttpGit::start(tmp.path(), TOKEN);
    namespace(&kube, tmp.path());
    let rec = Reconciler::start(
        &format!("airapp_namespace = \"{NS}\"\n"),
        &kube.kubeconfig,
        &tmp.path().join("cache"),
        &[("GIT_TOKEN", TOKEN)],
    );
    let spec = |suspend: bool| {
        serde_json::json!({
            "repo": server.url("apps.git"),
            "branch": "main",
            "path": "apps/shop",
            "interval": "1h",
            "tokenEnv": "GIT_TOKEN",
            "suspend": suspend,
            // The drift below is kubectl's field manager: taken back.
            "force": true,
        })
    };
    kubectl_apply(&kube, tmp.path(), "shop", &airapp("shop", spec(false)));
    shop_applied(&kube, "synced before suspending", &c1, "1.0.0").await;

    // Suspended: the new generation is reported as suspended…
    kubectl_apply(&kube, tmp.path(), "shop", &airapp("shop", spec(true)));
    eventually("the suspended status", || async {
        let s = airapp_status(&kube, "shop").await;
        if s["sync"] == "suspended" && s["observedGeneration"] == 2 {
            Ok(())
        } else {
            Err(s.to_string())
        }
    })
    .await;
    // …then drift, a new commit and a trigger: no fetch, no heal.
    let fetches = server.requests.load(std::sync::atomic::Ordering::SeqCst);
    kube.kubectl(&[
        "-n", "shop", "patch", "ksvc", "web", "--type=merge", "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"image":"registry.example.com/shop/web:drifted"}]}}}}"#,
    ]);
    write_app(&repo, "apps/shop", "shop", "shop", "2.0.0");
    let c2 = repo.commit("shop 2.0.0");
    // Wait until the app's task has handled the trigger (its status says
    // so): whatever it was going to do is done, so what follows is not a
    // matter of luck or timing.
    let id = rec.trigger("shop").await;
    let st = rec.handled("shop", id).await;
    assert_eq!(st.sync.to_string(), "suspended", "{st:?}");
    assert_eq!(st.fetched_revision, None, "{st:?}");
    assert_eq!(
        server.requests.load(std::sync::atomic::Ordering::SeqCst),
        fetches,
        "a suspended app fetched"
    );
    assert!(image(&kube.ksvc("shop", "web").await.unwrap()).ends_with(":drifted"));

    // Cleared: the new commit is fetched and applied, the drift healed.
    kubectl_apply(&kube, tmp.path(), "shop", &airapp("shop", spec(false)));
    shop_applied(&kube, "resumed at the new commit", &c2, "2.0.0").await;
    assert!(server.requests.load(std::sync::atomic::Ordering::SeqCst) > fetches);
    rec.stop();
}
