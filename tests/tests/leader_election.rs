//! Leader election over a real Lease on the test API server: one replica
//! leads, another waits; a graceful release hands over at once; a leader
//! that stops renewing loses the lease once it expires; two replicas racing
//! for a free lease never both win.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use air_tests::reconcile as reconcile_support;

use air_reconciler::leader::{Elector, LeaseSettings};
use reconcile_support::Kube;
use std::time::Duration;

fn settings(identity: &str, duration: Duration) -> LeaseSettings {
    LeaseSettings {
        duration,
        retry: Duration::from_millis(100),
        ..LeaseSettings::new("default", identity)
    }
}

async fn elector(kube: &Kube, identity: &str, duration: Duration) -> Elector {
    Elector::new(kube.cluster.client().clone(), settings(identity, duration))
}

fn holder(kube: &Kube) -> String {
    kube.kubectl(&[
        "get",
        "lease",
        "air-reconciler",
        "-n",
        "default",
        "-o",
        "jsonpath={.spec.holderIdentity}/{.spec.leaseTransitions}",
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_leader_handover_on_release_and_on_expiry() {
    if !air_tests::tools::require("kubectl", "kubernetes-client") {
        return;
    }
    let kube = Kube::start().await;
    let ns = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}});
    kube.cluster.apply(&ns, false, false).await.unwrap();
    // A long lease: nothing can expire during the first part.
    let a = elector(&kube, "replica-a", Duration::from_secs(3600)).await;
    let b = elector(&kube, "replica-b", Duration::from_secs(3600)).await;
    assert!(a.try_acquire_or_renew().await.unwrap());
    assert!(!b.try_acquire_or_renew().await.unwrap());
    assert!(a.try_acquire_or_renew().await.unwrap(), "the leader renews");
    assert!(!b.try_acquire_or_renew().await.unwrap());
    assert_eq!(holder(&kube), "replica-a/0");

    // A graceful release: the other replica takes over at once.
    a.release().await;
    assert!(b.try_acquire_or_renew().await.unwrap());
    assert!(!a.try_acquire_or_renew().await.unwrap());
    assert_eq!(holder(&kube), "replica-b/1");

    // A leader that stops renewing (crashed): once its record stayed the
    // same for a whole lease duration, a waiting replica takes over.
    let c = elector(&kube, "replica-c", Duration::from_millis(300)).await;
    let short_b = elector(&kube, "replica-b", Duration::from_millis(300)).await;
    assert!(short_b.try_acquire_or_renew().await.unwrap());
    let (_stop_tx, mut stop) = tokio::sync::watch::channel(false);
    assert!(c.acquire(&mut stop).await);
    assert_eq!(holder(&kube), "replica-c/2");
    // The old leader notices it lost the lease and stops.
    tokio::time::timeout(Duration::from_secs(30), short_b.hold())
        .await
        .expect("hold() returns once the lease is someone else's");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_replicas_never_both_win() {
    let kube = Kube::start().await;
    let ns = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}});
    kube.cluster.apply(&ns, false, false).await.unwrap();
    for round in 0..5 {
        let replicas: Vec<Elector> = {
            let mut v = Vec::new();
            for i in 0..4 {
                v.push(elector(&kube, &format!("r{round}-{i}"), Duration::from_secs(3600)).await);
            }
            v
        };
        let (r0, r1, r2, r3) = tokio::join!(
            replicas[0].try_acquire_or_renew(),
            replicas[1].try_acquire_or_renew(),
            replicas[2].try_acquire_or_renew(),
            replicas[3].try_acquire_or_renew(),
        );
        let results = [r0, r1, r2, r3];
        let winners = results.iter().filter(|r| matches!(r, Ok(true))).count();
        assert_eq!(winners, 1, "round {round}: {results:?}");
        // The winner hands over for the next round.
        for (e, r) in replicas.iter().zip(&results) {
            if matches!(r, Ok(true)) {
                e.release().await;
            }
        }
    }
}
