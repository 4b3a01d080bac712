//! Leader election with a `coordination.k8s.io/v1` Lease, so several
//! replicas of `air reconcile --leader-elect` can run and exactly one
//! reconciles: the others wait, and take over when the leader stops
//! renewing (crash, eviction) or gives the lease up (graceful shutdown).
//!
//! As in client-go, expiry is judged by the local clock: a lease is free
//! when its record has not changed for its whole duration since this
//! replica first saw it, so clock skew between replicas does not matter.
//! Every write is a PUT with the resourceVersion read, so of two replicas
//! racing for a free lease the API server lets exactly one win.

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::Api;
use kube::api::PostParams;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Which lease, who we are, and the timing.
#[derive(Clone, Debug)]
pub struct LeaseSettings {
    pub namespace: String,
    pub name: String,
    /// This replica (the pod name in a cluster).
    pub identity: String,
    /// How long a lease lasts without renewal.
    pub duration: Duration,
    /// How often the leader renews (and others retry).
    pub retry: Duration,
}

impl LeaseSettings {
    /// `air-reconciler` in `namespace`, 15 s, renewed every 5 s (the
    /// defaults of Kubernetes' own controllers, roughly).
    pub fn new(namespace: &str, identity: &str) -> Self {
        LeaseSettings {
            namespace: namespace.into(),
            name: "air-reconciler".into(),
            identity: identity.into(),
            duration: Duration::from_secs(15),
            retry: Duration::from_secs(5),
        }
    }
}

/// One replica's side of the election.
pub struct Elector {
    api: Api<Lease>,
    settings: LeaseSettings,
    /// The other holder's record as last seen, and when it was first seen.
    observed: Mutex<Option<(String, Instant)>>,
}

fn record_key(spec: &LeaseSpec) -> String {
    format!(
        "{}|{:?}|{:?}",
        spec.holder_identity.as_deref().unwrap_or(""),
        spec.renew_time.as_ref().map(|t| t.0),
        spec.lease_transitions
    )
}

impl Elector {
    pub fn new(client: kube::Client, settings: LeaseSettings) -> Self {
        Elector {
            api: Api::namespaced(client, &settings.namespace),
            settings,
            observed: Mutex::new(None),
        }
    }

    pub fn identity(&self) -> &str {
        &self.settings.identity
    }

    fn spec(&self, previous: Option<&LeaseSpec>) -> LeaseSpec {
        let now = MicroTime(jiff::Timestamp::now());
        let secs = i32::try_from(self.settings.duration.as_secs().max(1)).unwrap_or(i32::MAX);
        let mine = previous
            .and_then(|p| p.holder_identity.as_deref())
            .is_some_and(|h| h == self.settings.identity);
        LeaseSpec {
            holder_identity: Some(self.settings.identity.clone()),
            lease_duration_seconds: Some(secs),
            acquire_time: match previous {
                Some(p) if mine => p.acquire_time.clone(),
                _ => Some(now.clone()),
            },
            renew_time: Some(now),
            lease_transitions: match previous {
                None => Some(0),
                Some(p) if mine => p.lease_transitions,
                Some(p) => Some(p.lease_transitions.unwrap_or(0).saturating_add(1)),
            },
            ..LeaseSpec::default()
        }
    }

    /// Has the record `spec` stayed the same for a whole lease duration
    /// since this replica first saw it?
    fn expired(&self, spec: &LeaseSpec) -> bool {
        let key = record_key(spec);
        let duration = spec
            .lease_duration_seconds
            .and_then(|s| u64::try_from(s).ok())
            .map_or(self.settings.duration, Duration::from_secs);
        let Ok(mut seen) = self.observed.lock() else {
            return false;
        };
        match seen.as_ref() {
            Some((k, since)) if *k == key => since.elapsed() >= duration,
            _ => {
                *seen = Some((key, Instant::now()));
                false
            }
        }
    }

    /// One attempt to take or renew the lease; whether this replica holds
    /// it afterwards.
    pub async fn try_acquire_or_renew(&self) -> Result<bool, kube::Error> {
        let name = &self.settings.name;
        let Some(lease) = self.api.get_opt(name).await? else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(name.clone()),
                    namespace: Some(self.settings.namespace.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(self.spec(None)),
            };
            return match self.api.create(&PostParams::default(), &lease).await {
                Ok(_) => Ok(true),
                Err(kube::Error::Api(e)) if e.code == 409 => Ok(false),
                Err(e) => Err(e),
            };
        };
        let current = lease.spec.clone().unwrap_or_default();
        let holder = current.holder_identity.as_deref().unwrap_or("");
        let mine = holder == self.settings.identity;
        if !mine && !holder.is_empty() && !self.expired(&current) {
            return Ok(false);
        }
        let mut next = lease;
        next.spec = Some(self.spec(Some(&current)));
        match self.api.replace(name, &PostParams::default(), &next).await {
            Ok(_) => Ok(true),
            // Someone else wrote first (resourceVersion precondition).
            Err(kube::Error::Api(e)) if e.code == 409 => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Wait until this replica leads; `false` if `stop` came first.
    pub async fn acquire(&self, stop: &mut tokio::sync::watch::Receiver<bool>) -> bool {
        loop {
            match self.try_acquire_or_renew().await {
                Ok(true) => return true,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "leader election: cannot read the lease"),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.settings.retry) => {}
                _ = stop.wait_for(|s| *s) => return false,
            }
        }
    }

    /// Renew until leadership is lost: another replica took the lease, or
    /// no renewal succeeded for a whole lease duration. Then return (the
    /// caller must stop reconciling at once).
    pub async fn hold(&self) {
        let mut last_renewed = Instant::now();
        loop {
            tokio::time::sleep(self.settings.retry).await;
            match self.try_acquire_or_renew().await {
                Ok(true) => last_renewed = Instant::now(),
                Ok(false) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "leader election: cannot renew the lease");
                    if last_renewed.elapsed() >= self.settings.duration {
                        return;
                    }
                }
            }
        }
    }

    /// Give the lease up (graceful shutdown), so another replica can take
    /// over without waiting for it to expire.
    pub async fn release(&self) {
        let name = &self.settings.name;
        let Ok(Some(mut lease)) = self.api.get_opt(name).await else {
            return;
        };
        let Some(spec) = lease.spec.as_mut() else {
            return;
        };
        if spec.holder_identity.as_deref() != Some(self.settings.identity.as_str()) {
            return;
        }
        spec.holder_identity = None;
        if let Err(e) = self.api.replace(name, &PostParams::default(), &lease).await {
            tracing::warn!(error = %e, "leader election: cannot release the lease");
        }
    }
}
