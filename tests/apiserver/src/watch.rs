//! Watch streams: every change the server makes is recorded in a log and
//! broadcast; a watch replays the log from its resourceVersion, then
//! follows the broadcast, as newline-delimited `WatchEvent` JSON.

use crate::registry::KindInfo;
use crate::select::Filter;
use axum::body::Body;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// How many events the log keeps; older resourceVersions answer 410 Gone.
const LOG_CAPACITY: usize = 50_000;
/// How far a slow watcher may fall behind before its stream is closed.
const CHANNEL_CAPACITY: usize = 4096;
/// How often a watch that asked for bookmarks gets one.
const BOOKMARK_EVERY: Duration = Duration::from_secs(5);

/// One change, after it happened.
#[derive(Debug, Clone)]
pub struct Event {
    pub rv: u64,
    pub kind: &'static KindInfo,
    pub event_type: &'static str,
    pub object: Value,
    /// For MODIFIED: the object before, so that label-selected watches can
    /// turn "no longer matches" into DELETED (as the real watch cache does).
    pub old: Option<Value>,
}

impl Event {
    fn namespace(&self) -> &str {
        crate::store::meta_str(&self.object, "namespace")
    }
}

/// The log and broadcast of one store.
pub struct Hub {
    log: Mutex<Log>,
    tx: Mutex<Option<broadcast::Sender<Arc<Event>>>>,
    current: AtomicU64,
}

struct Log {
    events: VecDeque<Arc<Event>>,
    /// Highest resourceVersion dropped from the log.
    floor: u64,
}

/// What a watch selects: one resource, maybe one namespace, selectors.
#[derive(Debug, Clone)]
pub struct Selection {
    pub kind: &'static KindInfo,
    pub namespace: Option<String>,
    pub filter: Filter,
}

impl Selection {
    /// The event this watcher should see for `ev`, if any.
    pub fn translate(&self, ev: &Event) -> Option<(&'static str, Value)> {
        if *self.kind != *ev.kind
            || self
                .namespace
                .as_deref()
                .is_some_and(|ns| ns != ev.namespace())
        {
            return None;
        }
        let now = self.filter.matches(&ev.object);
        match (
            ev.event_type,
            ev.old.as_ref().map(|o| self.filter.matches(o)),
        ) {
            ("MODIFIED", Some(false)) if now => Some(("ADDED", ev.object.clone())),
            ("MODIFIED", Some(true)) if !now => Some(("DELETED", ev.object.clone())),
            (t, _) if now => Some((t, ev.object.clone())),
            _ => None,
        }
    }
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(CHANNEL_CAPACITY);
        Self {
            log: Mutex::new(Log {
                events: VecDeque::new(),
                floor: 0,
            }),
            tx: Mutex::new(Some(tx)),
            current: AtomicU64::new(0),
        }
    }

    /// The newest resourceVersion this store has handed out.
    pub fn current_rv(&self) -> u64 {
        self.current.load(Ordering::SeqCst)
    }

    /// Record a change. Callers hold the store lock, so events are in order.
    pub fn publish(&self, event: Event) {
        self.current.fetch_max(event.rv, Ordering::SeqCst);
        let event = Arc::new(event);
        if let Ok(mut log) = self.log.lock() {
            log.events.push_back(Arc::clone(&event));
            while log.events.len() > LOG_CAPACITY {
                if let Some(old) = log.events.pop_front() {
                    log.floor = old.rv;
                }
            }
        }
        if let Ok(tx) = self.tx.lock()
            && let Some(tx) = tx.as_ref()
        {
            // No receiver is fine: nobody watches.
            let _ = tx.send(event);
        }
    }

    /// A receiver for changes after this moment; `None` once closed.
    pub fn subscribe(&self) -> Option<broadcast::Receiver<Arc<Event>>> {
        self.tx
            .lock()
            .ok()?
            .as_ref()
            .map(broadcast::Sender::subscribe)
    }

    /// Logged events after `rv`, or `None` if the log no longer reaches back
    /// that far.
    pub fn since(&self, rv: u64) -> Option<Vec<Arc<Event>>> {
        let log = self.log.lock().ok()?;
        if rv < log.floor {
            return None;
        }
        Some(log.events.iter().filter(|e| e.rv > rv).cloned().collect())
    }

    /// End every open watch (the store is going away).
    pub fn close(&self) {
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
    }
}

/// Options of one watch request.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub bookmarks: bool,
    pub timeout: Option<Duration>,
}

/// Stream `initial` lines, then every matching change from `rx`, until the
/// client goes away, the hub closes, or the timeout passes.
pub fn stream(
    selection: Selection,
    initial: Vec<Value>,
    start_rv: u64,
    rx: broadcast::Receiver<Arc<Event>>,
    opts: WatchOptions,
) -> Body {
    let (out, body_rx) = mpsc::channel::<Result<String, std::convert::Infallible>>(64);
    tokio::spawn(follow(selection, initial, start_rv, rx, opts, out));
    Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(body_rx))
}

async fn follow(
    selection: Selection,
    initial: Vec<Value>,
    start_rv: u64,
    mut rx: broadcast::Receiver<Arc<Event>>,
    opts: WatchOptions,
    out: mpsc::Sender<Result<String, std::convert::Infallible>>,
) {
    for line in initial {
        if out.send(Ok(format!("{line}\n"))).await.is_err() {
            return;
        }
    }
    let mut seen = start_rv;
    let deadline = opts.timeout.map(|t| tokio::time::Instant::now() + t);
    let mut ticker = tokio::time::interval(BOOKMARK_EVERY);
    ticker.tick().await;
    loop {
        let until_deadline = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = until_deadline => return,
            () = out.closed() => return,
            _ = ticker.tick(), if opts.bookmarks => {
                let line = bookmark(selection.kind, seen, false);
                if out.send(Ok(format!("{line}\n"))).await.is_err() {
                    return;
                }
            }
            got = rx.recv() => match got {
                Ok(ev) => {
                    if ev.rv <= seen {
                        continue;
                    }
                    seen = ev.rv;
                    if let Some((t, obj)) = selection.translate(&ev) {
                        let line = json!({"type": t, "object": obj});
                        if out.send(Ok(format!("{line}\n"))).await.is_err() {
                            return;
                        }
                    }
                }
                // Closed (store replaced) or lagged: end the stream; the
                // client re-watches, as after any dropped connection.
                Err(_) => return,
            }
        }
    }
}

/// A BOOKMARK event carrying only a resourceVersion.
pub fn bookmark(kind: &KindInfo, rv: u64, initial_events_end: bool) -> Value {
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if initial_events_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    json!({
        "type": "BOOKMARK",
        "object": {"apiVersion": kind.api_version(), "kind": kind.kind, "metadata": meta}
    })
}
