//! The server's state and message loop: open buffers, one snapshot per
//! app (compiled again only when one of its files changed), diagnostics
//! published per file after a short pause in typing.

use super::analysis::{AppCache, AppLocation, Snapshot, find_app, normalize};
use super::convert::{LineIndex, path_to_uri, uri_to_path};
use super::overlay::Buffers;
use super::{complete, diagnostics, hover, navigate, outline};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    PrepareRenameRequest, References, Rename, Request as _,
};
use lsp_types::{
    CompletionOptions, GotoDefinitionResponse, OneOf, PrepareRenameResponse,
    PublishDiagnosticsParams, RenameOptions, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long typing must pause before diagnostics are computed, unless
/// the client's `initializationOptions` say otherwise (`{"debounceMs": 0}`:
/// the keystroke bench measures compiling, not waiting).
const DEBOUNCE: Duration = Duration::from_millis(150);

/// What a client may set in `initializationOptions`.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct InitOptions {
    debounce_ms: Option<u64>,
    /// `false` compiles every keystroke from scratch (every file parsed
    /// again): the keystroke bench's baseline, and a check that reuse
    /// changes no answer.
    incremental: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("protocol: {0}")]
    Protocol(#[from] lsp_server::ProtocolError),
    #[error("cannot encode a message: {0}")]
    Json(#[from] serde_json::Error),
    #[error("stdio: {0}")]
    Io(#[from] std::io::Error),
    #[error("the client went away")]
    Disconnected,
}

/// What a file is compiled with: its app, or (outside any app) itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Unit {
    App(AppLocation),
    Lone(PathBuf),
}

pub fn serve_stdio() -> Result<(), ServerError> {
    let (conn, io) = Connection::stdio();
    let served = serve(&conn);
    drop(conn);
    // A transport failure (say, a malformed message) says more than the
    // "disconnected" the loop saw.
    io.join()?;
    served
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(true.into()),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), " ".into()]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Serve one client on `conn` until it says `exit`.
pub fn serve(conn: &Connection) -> Result<(), ServerError> {
    let init = conn.initialize(serde_json::to_value(capabilities())?)?;
    let options: InitOptions = init
        .get("initializationOptions")
        .and_then(|o| serde_json::from_value(o.clone()).ok())
        .unwrap_or_default();
    let debounce = options.debounce_ms.map_or(DEBOUNCE, Duration::from_millis);
    let mut s = Server {
        conn,
        buffers: Buffers::new(),
        versions: HashMap::new(),
        last_good: HashMap::new(),
        caches: HashMap::new(),
        incremental: options.incremental.unwrap_or(true),
        snapshots: HashMap::new(),
        dirty: HashSet::new(),
        due: None,
        debounce,
        published: HashMap::new(),
    };
    loop {
        let msg = match s.due {
            None => conn
                .receiver
                .recv()
                .map_err(|_| ServerError::Disconnected)?,
            Some(due) => {
                match conn
                    .receiver
                    .recv_timeout(due.saturating_duration_since(Instant::now()))
                {
                    Ok(m) => m,
                    Err(e) if e.is_timeout() => {
                        s.publish_dirty()?;
                        continue;
                    }
                    Err(_) => return Err(ServerError::Disconnected),
                }
            }
        };
        match msg {
            Message::Request(req) => {
                if conn.handle_shutdown(&req)? {
                    return Ok(());
                }
                let resp = s.request(req);
                conn.sender
                    .send(Message::Response(resp))
                    .map_err(|_| ServerError::Disconnected)?;
            }
            Message::Notification(n) => s.notification(n)?,
            Message::Response(_) => {}
        }
    }
}

struct Server<'c> {
    conn: &'c Connection,
    buffers: Buffers,
    versions: HashMap<PathBuf, i32>,
    /// The last text of each file that parsed (see `analysis`).
    last_good: HashMap<PathBuf, String>,
    /// Each app's parses and per-workflow results, kept between
    /// compilations.
    caches: HashMap<AppLocation, AppCache>,
    incremental: bool,
    snapshots: HashMap<Unit, Snapshot>,
    /// Units changed since their snapshot.
    dirty: HashSet<Unit>,
    /// When to compile the dirty units and publish their diagnostics.
    due: Option<Instant>,
    debounce: Duration,
    /// Files each unit last published diagnostics for (to clear them).
    published: HashMap<Unit, BTreeSet<PathBuf>>,
}

impl Server<'_> {
    fn unit_of(&self, file: &Path) -> Unit {
        match find_app(file, &self.buffers) {
            Some(app) => Unit::App(app),
            None => Unit::Lone(file.to_path_buf()),
        }
    }

    fn changed(&mut self, file: &Path) {
        let unit = self.unit_of(file);
        self.dirty.insert(unit);
        self.due = Some(Instant::now() + self.debounce);
    }

    /// The current snapshot of a unit, compiling it first when it changed
    /// (and then publishing its diagnostics at once).
    fn snapshot(&mut self, unit: &Unit) -> Result<Option<&Snapshot>, ServerError> {
        if self.dirty.contains(unit) || !self.snapshots.contains_key(unit) {
            self.compile(unit)?;
        }
        Ok(self.snapshots.get(unit))
    }

    fn compile(&mut self, unit: &Unit) -> Result<(), ServerError> {
        self.dirty.remove(unit);
        let snap = match unit {
            Unit::App(app) => {
                if !self.incremental {
                    // A fresh cache each time: nothing to reuse.
                    self.caches.remove(app);
                }
                match Snapshot::of_app(
                    app,
                    &self.buffers,
                    &mut self.last_good,
                    self.caches.entry(app.clone()).or_default(),
                ) {
                    Ok(s) => s,
                    Err(e) => {
                        self.log(&format!("cannot compile {}: {e}", app.dir.display()))?;
                        return Ok(());
                    }
                }
            }
            Unit::Lone(path) => {
                let text = self
                    .buffers
                    .get(path)
                    .cloned()
                    .or_else(|| std::fs::read_to_string(path).ok())
                    .unwrap_or_default();
                Snapshot::of_lone_file(path, &text)
            }
        };
        let by_file = diagnostics::by_file(&snap);
        let before = self.published.remove(unit).unwrap_or_default();
        let mut now = BTreeSet::new();
        for (path, diags) in by_file {
            // Open files always hear (clients clear their list on an empty
            // one); closed ones only when they have or had something.
            let open = self.buffers.contains_key(&path);
            if diags.is_empty() && !before.contains(&path) && !open {
                continue;
            }
            if !diags.is_empty() {
                now.insert(path.clone());
            }
            self.publish(&path, diags)?;
        }
        for gone in before.difference(&now) {
            if !snap.files().contains(gone) {
                self.publish(gone, Vec::new())?;
            }
        }
        self.published.insert(unit.clone(), now);
        self.snapshots.insert(unit.clone(), snap);
        Ok(())
    }

    fn publish(
        &self,
        path: &Path,
        diagnostics: Vec<lsp_types::Diagnostic>,
    ) -> Result<(), ServerError> {
        let Some(uri) = path_to_uri(path) else {
            return Ok(());
        };
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: self.versions.get(path).copied(),
        };
        self.notify(PublishDiagnostics::METHOD, params)
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) -> Result<(), ServerError> {
        let n = Notification::new(method.to_string(), params);
        self.conn
            .sender
            .send(Message::Notification(n))
            .map_err(|_| ServerError::Disconnected)
    }

    fn log(&self, message: &str) -> Result<(), ServerError> {
        let params = lsp_types::LogMessageParams {
            typ: lsp_types::MessageType::WARNING,
            message: message.to_string(),
        };
        self.notify("window/logMessage", params)
    }

    fn publish_dirty(&mut self) -> Result<(), ServerError> {
        self.due = None;
        let units: Vec<Unit> = self.dirty.iter().cloned().collect();
        for u in units {
            self.compile(&u)?;
        }
        Ok(())
    }

    fn notification(&mut self, n: Notification) -> Result<(), ServerError> {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(p) =
                    n.extract::<lsp_types::DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD)
                    && let Some(path) = file_of(&p.text_document.uri)
                {
                    self.buffers.insert(path.clone(), p.text_document.text);
                    self.versions.insert(path.clone(), p.text_document.version);
                    // Opening shows diagnostics at once, without the pause.
                    let unit = self.unit_of(&path);
                    self.compile(&unit)?;
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidChangeTextDocumentParams>(
                    DidChangeTextDocument::METHOD,
                ) && let Some(path) = file_of(&p.text_document.uri)
                {
                    let text = self.buffers.entry(path.clone()).or_default();
                    for c in p.content_changes {
                        apply_change(text, c);
                    }
                    self.versions.insert(path.clone(), p.text_document.version);
                    self.changed(&path);
                }
            }
            DidSaveTextDocument::METHOD | DidCloseTextDocument::METHOD => {
                #[derive(serde::Deserialize)]
                #[serde(rename_all = "camelCase")]
                struct Doc {
                    text_document: lsp_types::TextDocumentIdentifier,
                }
                let closing = n.method == DidCloseTextDocument::METHOD;
                if let Ok(p) = serde_json::from_value::<Doc>(n.params)
                    && let Some(path) = file_of(&p.text_document.uri)
                {
                    if closing {
                        self.buffers.remove(&path);
                        self.versions.remove(&path);
                    }
                    self.changed(&path);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        match self.answer(req) {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        }
    }

    /// The snapshot of the file a request is about.
    fn for_file(&mut self, uri: &Uri) -> Result<(PathBuf, &Snapshot), (ErrorCode, String)> {
        let path = file_of(uri).ok_or((ErrorCode::InvalidParams, "not a file URI".to_string()))?;
        let unit = self.unit_of(&path);
        let snap = self
            .snapshot(&unit)
            .map_err(|e| (ErrorCode::InternalError, e.to_string()))?
            .ok_or((
                ErrorCode::InternalError,
                "the app could not be read".to_string(),
            ))?;
        Ok((path, snap))
    }

    fn answer(&mut self, req: Request) -> Result<serde_json::Value, (ErrorCode, String)> {
        fn params<P: serde::de::DeserializeOwned>(req: Request) -> Result<P, (ErrorCode, String)> {
            serde_json::from_value(req.params)
                .map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
        }
        fn json(v: impl serde::Serialize) -> Result<serde_json::Value, (ErrorCode, String)> {
            serde_json::to_value(v).map_err(|e| (ErrorCode::InternalError, e.to_string()))
        }
        match req.method.as_str() {
            GotoDefinition::METHOD => {
                let p: lsp_types::GotoDefinitionParams = params(req)?;
                let at = p.text_document_position_params;
                let (path, snap) = self.for_file(&at.text_document.uri)?;
                json(
                    navigate::definition(snap, &path, at.position)
                        .map(GotoDefinitionResponse::Scalar),
                )
            }
            References::METHOD => {
                let p: lsp_types::ReferenceParams = params(req)?;
                let at = p.text_document_position;
                let (path, snap) = self.for_file(&at.text_document.uri)?;
                json(navigate::references(
                    snap,
                    &path,
                    at.position,
                    p.context.include_declaration,
                ))
            }
            HoverRequest::METHOD => {
                let p: lsp_types::HoverParams = params(req)?;
                let at = p.text_document_position_params;
                let (path, snap) = self.for_file(&at.text_document.uri)?;
                json(hover::hover(snap, &path, at.position))
            }
            Completion::METHOD => {
                let p: lsp_types::CompletionParams = params(req)?;
                let at = p.text_document_position;
                let (path, snap) = self.for_file(&at.text_document.uri)?;
                json(complete::complete(snap, &path, at.position))
            }
            DocumentSymbolRequest::METHOD => {
                let p: lsp_types::DocumentSymbolParams = params(req)?;
                let (path, snap) = self.for_file(&p.text_document.uri)?;
                json(lsp_types::DocumentSymbolResponse::Nested(outline::symbols(
                    snap, &path,
                )))
            }
            Formatting::METHOD => {
                let p: lsp_types::DocumentFormattingParams = params(req)?;
                let path = file_of(&p.text_document.uri)
                    .ok_or((ErrorCode::InvalidParams, "not a file URI".to_string()))?;
                let text = self
                    .buffers
                    .get(&path)
                    .cloned()
                    .or_else(|| std::fs::read_to_string(&path).ok())
                    .unwrap_or_default();
                json(outline::format(&text))
            }
            PrepareRenameRequest::METHOD => {
                let p: lsp_types::TextDocumentPositionParams = params(req)?;
                let (path, snap) = self.for_file(&p.text_document.uri)?;
                json(
                    navigate::prepare_rename(snap, &path, p.position)
                        .map(PrepareRenameResponse::Range),
                )
            }
            Rename::METHOD => {
                let p: lsp_types::RenameParams = params(req)?;
                let at = p.text_document_position;
                let (path, snap) = self.for_file(&at.text_document.uri)?;
                let edit = navigate::rename(snap, &path, at.position, &p.new_name)
                    .map_err(|e| (ErrorCode::RequestFailed, e.to_string()))?;
                json(edit)
            }
            _ => Err((
                ErrorCode::MethodNotFound,
                format!("`{}` is not supported", req.method),
            )),
        }
    }
}

fn file_of(uri: &Uri) -> Option<PathBuf> {
    uri_to_path(uri).map(|p| normalize(&p))
}

/// Apply one change of `didChange` (a range edit, or the whole text).
fn apply_change(text: &mut String, c: lsp_types::TextDocumentContentChangeEvent) {
    match c.range {
        None => *text = c.text,
        Some(r) => {
            let idx = LineIndex::new(text);
            let (start, end) = (idx.offset(r.start), idx.offset(r.end));
            if start <= end {
                text.replace_range(start..end, &c.text);
            }
        }
    }
}
