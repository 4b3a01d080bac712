//! Stage 4: resolved program → target objects (Serverless Workflow
//! documents, Knative manifests, catalog), still as JSON values.
//!
//! The root app (`Program::apps[0]`) is what gets built; imported apps
//! only lend their types, events, errors and services. Object names are
//! derived in [`names`], shapes built in [`knative`], schemas in
//! [`schema`], `where` filters translated in [`cesql`].

pub(crate) mod catalog;
pub mod cesql;
pub mod knative;
pub(crate) mod names;
pub(crate) mod routes;
pub mod schema;
pub mod sw;
pub(crate) mod testplan;
pub(crate) mod value;

use crate::ast::{self, EventDecl, EventMember, FunctionDecl, Member, TriggerKind, WorkflowDecl};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::emit::tree::Node;
use crate::memo::{WorkflowKey, WorkflowMemo};
use crate::model::{AppUnit, DeclKind, Program, kebab_case, snake_case};
use crate::source::SourceMap;
use crate::span::Span;
use foldhash::HashMap;
use knative::eventing::{EventTypeSpec, TriggerSpec};
use knative::serving::{EnvValue, ServiceSpec};
use knative::{Destination, Meta};
use std::collections::hash_map::Entry;

/// Annotation carrying a `where` filter that Knative cannot apply.
pub(crate) const WHERE_ANNOTATION: &str = "air.dev/where";

// The lowered forms are what emission takes; they live in `emit` (below
// this stage) and are re-exported here, where callers have found them.
pub(crate) use crate::emit::concat;
pub use crate::emit::{Lowered, LoweredText, LoweredTrees, PrintedObject};

pub fn lower(program: &Program, sources: &SourceMap, diags: &mut Diagnostics) -> Option<Lowered> {
    lower_with(program, sources, diags, Documents::Keep, None)
        .map(Out::into_trees)
        .map(LoweredTrees::into_lowered)
}

/// What the lowering keeps of what it builds.
#[derive(Clone, Copy, PartialEq)]
enum Documents {
    /// Objects and workflow documents as trees, documents also as YAML
    /// text ([`lower`]).
    Keep,
    /// Objects printed as soon as built; documents as YAML text only, for
    /// their ConfigMaps and `workflows/*.sw.yaml` ([`lower_text`]).
    Text,
    /// Objects printed as soon as built; each document's text goes into
    /// its ConfigMap and nowhere else, and no catalog ([`lower_stream`]:
    /// `air build --stdout` prints the objects alone).
    Stream,
    /// Built for their diagnostics, then dropped ([`diagnose`]).
    Drop,
}

impl Documents {
    /// Are objects printed by the thread that builds them?
    fn prints(self) -> bool {
        matches!(self, Documents::Text | Documents::Stream)
    }
}

/// Every diagnostic the lowering reports, without printing anything
/// (`air check`: what `air build` would say, at less cost).
///
/// `memo` keeps each workflow's lowering diagnostics between compilations
/// (the language server's; see [`crate::memo`]).
pub(crate) fn diagnose(
    program: &Program,
    sources: &SourceMap,
    memo: Option<&WorkflowMemo>,
    diags: &mut Diagnostics,
) {
    lower_with(program, sources, diags, Documents::Drop, memo);
}

/// [`lower`] for `air build -o DIR`: every object printed to YAML by the
/// thread that built it and its tree dropped at once, workflow documents
/// kept as text only (see [`LoweredText`]).
pub(crate) fn lower_text(
    program: &Program,
    sources: &SourceMap,
    diags: &mut Diagnostics,
) -> Option<LoweredText> {
    lower_with(program, sources, diags, Documents::Text, None).map(Out::into_text)
}

/// [`lower_text`] for `air build --stdout`: only the objects (each
/// workflow document lives in its ConfigMap's text alone), no catalog.
pub fn lower_stream(
    program: &Program,
    sources: &SourceMap,
    diags: &mut Diagnostics,
) -> Option<LoweredText> {
    lower_with(program, sources, diags, Documents::Stream, None).map(Out::into_text)
}

/// A lowered Kubernetes object: a tree ([`Documents::Keep`],
/// [`Documents::Drop`]) or already printed ([`Documents::prints`]).
enum Obj {
    Tree(Node),
    Printed(PrintedObject),
}

impl Obj {
    /// Print `node` now if `documents` says so.
    fn new(node: Node, documents: Documents) -> Obj {
        if documents.prints() {
            Obj::Printed(crate::emit::print_object(&node))
        } else {
            Obj::Tree(node)
        }
    }

    fn kind_name(&self) -> (&str, &str) {
        match self {
            Obj::Tree(node) => crate::emit::kind_name(node),
            Obj::Printed(p) => (&p.kind, &p.name),
        }
    }
}

/// What [`lower_with`] collects, in declaration order.
#[derive(Default)]
struct Out {
    objects: Vec<Obj>,
    /// Object name, tree ([`Node::Null`] unless kept) and YAML text of each
    /// workflow document.
    workflows: Vec<(String, Node, String)>,
    catalog: Node,
}

impl Out {
    fn into_trees(self) -> LoweredTrees {
        let mut out = LoweredTrees {
            catalog: self.catalog,
            ..LoweredTrees::default()
        };
        for o in self.objects {
            if let Obj::Tree(node) = o {
                out.objects.push(node);
            }
        }
        for (name, doc, text) in self.workflows {
            out.workflows.push((name, doc));
            out.workflow_texts.push(text);
        }
        out
    }

    fn into_text(self) -> LoweredText {
        LoweredText {
            objects: self
                .objects
                .into_iter()
                .map(|o| match o {
                    Obj::Printed(p) => p,
                    Obj::Tree(node) => crate::emit::print_object(&node),
                })
                .collect(),
            workflows: self
                .workflows
                .into_iter()
                .map(|(name, _, text)| (name, text))
                .collect(),
            catalog: self.catalog,
        }
    }
}

fn lower_with(
    program: &Program,
    sources: &SourceMap,
    diags: &mut Diagnostics,
    documents: Documents,
    memo: Option<&WorkflowMemo>,
) -> Option<Out> {
    let root = program.root()?;
    // Only diagnostics are kept, so only a check lowers through the memo.
    let memo = memo
        .filter(|_| documents == Documents::Drop)
        .map(|m| (m, crate::memo::env_fingerprint(program, sources)));
    let env = Env {
        program,
        root,
        sources,
        documents,
        memo,
    };
    let mut cx = Cx {
        env,
        out: Out::default(),
        names: HashMap::default(),
        diags,
    };
    // Everything but the catalog is recorded in declaration order (the
    // first declaration to claim a name keeps it); the catalog is built
    // beside it.
    let work = root.workflow_bytes();
    let ((), catalog) = crate::par::join(
        work,
        || {
            cx.broker();
            for e in root.events().filter(|e| !e.is_extern) {
                cx.event(e);
            }
            for f in root.functions() {
                cx.function(f);
            }
            // Each workflow's objects are a pure function of the program:
            // built (its document printed) in parallel, recorded in order.
            let workflows: Vec<&WorkflowDecl> = root.workflows().collect();
            let built = crate::par::map(&workflows, work, |w| env.workflow(w));
            for b in built {
                cx.record(b);
            }
            cx.record(env.awaited(&workflows));
        },
        || match documents {
            // Nothing reads the catalog of a stream or of a check.
            Documents::Stream | Documents::Drop => Node::Null,
            Documents::Keep | Documents::Text => catalog::catalog_node(program),
        },
    );
    cx.out.catalog = catalog;
    Some(cx.out)
}

/// The document of workflow `w` of the root app and its YAML text; the
/// tree itself only with [`Documents::Keep`] (else [`Node::Null`]: `air
/// build` prints it and drops it at once, while it is still in the
/// cache), the text not with [`Documents::Drop`].
fn workflow_document(
    program: &Program,
    w: &WorkflowDecl,
    documents: Documents,
) -> Result<(Node, String), Vec<Diagnostic>> {
    thread_local! {
        /// Documents of one app are alike in size: each thread starts
        /// its next text at the size of its last one.
        static TEXT_HINT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }
    let doc = sw::workflow_tree(program, 0, w)?;
    if documents == Documents::Drop {
        return Ok((Node::Null, String::new()));
    }
    let mut text = String::with_capacity(TEXT_HINT.get());
    crate::emit::yaml::write_yaml(&mut text, &doc, crate::emit::yaml::KeyOrder::AsGiven);
    TEXT_HINT.set(text.len());
    let keep = documents == Documents::Keep;
    Ok((if keep { doc } else { Node::Null }, text))
}

/// What the lowering reads: shared by every thread.
#[derive(Clone, Copy)]
struct Env<'a> {
    program: &'a Program,
    root: &'a AppUnit,
    sources: &'a SourceMap,
    documents: Documents,
    /// With [`Documents::Drop`]: kept lowering results and the
    /// fingerprint of the declarations they were lowered in.
    memo: Option<(&'a WorkflowMemo, u64)>,
}

/// What one declaration lowers to, built from the [`Env`] alone (so
/// workflows lower in parallel) and then recorded by [`Cx::record`].
#[derive(Default)]
struct Built {
    /// Objects with the span of the declaration part they come from.
    objects: Vec<(Obj, Span)>,
    diags: Vec<Diagnostic>,
    /// A workflow's object name, document (or [`Node::Null`]) and text.
    document: Option<(String, Node, String)>,
}

impl Built {
    /// Add an object, printed here if the lowering prints (so workflows'
    /// objects print on the thread that built them).
    fn add(&mut self, env: &Env, node: Node, span: Span) {
        self.objects.push((Obj::new(node, env.documents), span));
    }
}

struct Cx<'a> {
    env: Env<'a>,
    out: Out,
    /// (kind, name) → span of the declaration that claimed it.
    names: HashMap<(String, String), Span>,
    diags: &'a mut Diagnostics,
}

impl Env<'_> {
    fn ns(&self) -> String {
        self.root.manifest.namespace.clone()
    }

    fn meta(
        &self,
        name: String,
        decl: &ast::Ident,
        kind: DeclKind,
        component: &'static str,
    ) -> Meta {
        Meta {
            name,
            namespace: self.ns(),
            app: self.root.manifest.name.clone(),
            decl: kebab_case(&decl.name),
            component,
            source: concat(&[
                self.sources.path(decl.span.file),
                "#",
                kind.as_str(),
                "/",
                &decl.name,
            ]),
        }
    }

    /// Workflow `w`'s ConfigMap (carrying its document), Triggers and
    /// PingSources, or the errors that keep it from being lowered.
    fn workflow(&self, w: &WorkflowDecl) -> Built {
        let mut built = Built::default();
        let document = match self.memo {
            // A check drops the document: only its diagnostics are kept.
            Some((memo, env)) => {
                let key = WorkflowKey::of(w, self.sources);
                let errors = memo.document(key, env, || {
                    sw::workflow_tree(self.program, 0, w)
                        .err()
                        .unwrap_or_default()
                });
                if errors.is_empty() {
                    Ok((Node::Null, String::new()))
                } else {
                    Err(errors)
                }
            }
            None => workflow_document(self.program, w, self.documents),
        };
        let (doc, mut text) = match document {
            Ok(document) => document,
            Err(errors) => {
                built.diags = errors;
                return built;
            }
        };
        let name = kebab_case(&w.name.name);
        let meta = self.meta(
            names::workflow_config_map(&w.name.name),
            &w.name,
            DeclKind::Workflow,
            "workflow",
        );
        let m = &self.root.manifest;
        let broker_url = routes::broker_url(&m.namespace, &m.broker_name);
        // A stream keeps the document in its ConfigMap only.
        let carried = if self.documents == Documents::Stream {
            std::mem::take(&mut text)
        } else {
            text.clone()
        };
        built.add(
            self,
            knative::core::workflow_config_map_node(&meta, carried, &broker_url),
            w.name.span,
        );
        let dest = Destination::Uri(routes::start_url(
            &m.runtime_url,
            &m.namespace,
            &w.name.name,
        ));
        self.triggers(
            &w.name,
            DeclKind::Workflow,
            &w.members,
            &dest,
            false,
            &mut built,
        );
        let mut n = 0;
        for m in &w.members {
            if let Member::On(ast::Trigger {
                kind: TriggerKind::Schedule { cron, tz },
                span,
            }) = m
            {
                n += 1;
                let mut meta = self.meta(
                    names::schedule(&w.name.name, n),
                    &w.name,
                    DeclKind::Workflow,
                    "source",
                );
                meta.source = format!("{}#workflow/{}", self.sources.path(span.file), w.name.name);
                let obj = knative::eventing::ping_source_node(
                    &meta,
                    &cron.value,
                    tz.as_ref().map(|t| t.value.as_str()),
                    &dest,
                );
                built.add(self, obj, *span);
            }
        }
        built.document = Some((name, doc, text));
        built
    }

    /// One Trigger per CloudEvents type a function or workflow is started
    /// by (see [`routes`]: several `on` of one type share it).
    fn triggers(
        &self,
        owner: &ast::Ident,
        kind: DeclKind,
        members: &[Member],
        dest: &Destination,
        is_function: bool,
        built: &mut Built,
    ) {
        for start in routes::event_starts(self.program, 0, members) {
            let name = names::trigger(
                &owner.name,
                start.event.alias.as_ref().map(|a| a.name.as_str()),
                &start.event.name.name,
            );
            let mut cesql = None;
            let mut annotations = Vec::new();
            match start.filter() {
                routes::Filter::TypeOnly => {}
                routes::Filter::Cesql(sql) => cesql = Some(sql),
                routes::Filter::Engine { .. } if is_function => {
                    for c in &start.clauses {
                        if let (Some(Err(why)), Some(expr)) = (&c.cesql, c.filter) {
                            built.diags.push(
                                Diagnostic::error(
                                    Code::E0576,
                                    "this `where` filter cannot be applied to a function's Trigger",
                                )
                                .with_primary(expr.span, why.clone())
                                .with_help(
                                    "Knative filters on CloudEvents attributes only (CESQL); filter \
                                     in the function, or start a workflow whose runtime applies the filter",
                                ),
                            );
                        }
                    }
                }
                routes::Filter::Engine { why, at } => {
                    built.diags.push(
                        Diagnostic::note_level(
                            Code::W0501,
                            format!(
                                "the engine applies this `where`: the Trigger passes every `{}` event",
                                start.ce_type
                            ),
                        )
                        .with_primary(at, why.to_string())
                        .with_note(
                            "the workflow's first task (`air_guard`) ends the run when no `on` \
                             clause of the workflow matches the event",
                        ),
                    );
                    let wheres: Vec<&str> = start
                        .clauses
                        .iter()
                        .filter_map(|c| c.filter.map(|f| f.source.trim()))
                        .collect();
                    annotations.push((WHERE_ANNOTATION.to_string(), wheres.join(" or ")));
                }
            }
            let span = start.clauses.first().map(|c| c.span).unwrap_or(owner.span);
            let mut meta = self.meta(name, owner, kind, "trigger");
            meta.source = concat(&[
                self.sources.path(span.file),
                "#",
                kind.as_str(),
                "/",
                &owner.name,
            ]);
            let spec = TriggerSpec {
                broker: self.root.manifest.broker_name.clone(),
                event_type: start.ce_type,
                cesql,
                subscriber: dest.clone(),
                annotations,
            };
            built.add(self, knative::eventing::trigger_node(&meta, &spec), span);
        }
    }

    /// One Trigger per event type the app's workflows wait for, to the
    /// engine's event ingress (docs/runtime.md).
    fn awaited(&self, workflows: &[&WorkflowDecl]) -> Built {
        let mut built = Built::default();
        let m = &self.root.manifest;
        let dest = Destination::Uri(routes::ingress_url(&m.runtime_url, &m.namespace));
        for a in routes::awaited_events(self.program, 0, workflows) {
            let meta = Meta {
                name: names::await_trigger(
                    &m.name,
                    a.event.alias.as_ref().map(|a| a.name.as_str()),
                    &a.event.name.name,
                ),
                namespace: self.ns(),
                app: m.name.clone(),
                decl: kebab_case(&a.event.name.name),
                component: "trigger",
                source: concat(&[
                    self.sources.path(a.span.file),
                    "#workflow/",
                    &a.workflow.name,
                ]),
            };
            let spec = TriggerSpec {
                broker: m.broker_name.clone(),
                event_type: a.ce_type,
                cesql: None,
                subscriber: dest.clone(),
                annotations: Vec::new(),
            };
            built.add(self, knative::eventing::trigger_node(&meta, &spec), a.span);
        }
        built
    }
}

impl Cx<'_> {
    /// Record what a declaration lowered to, in order.
    fn record(&mut self, built: Built) {
        for (obj, span) in built.objects {
            self.push(obj, span);
        }
        self.diags.extend(built.diags);
        if let Some(document) = built.document {
            self.out.workflows.push(document);
        }
    }

    /// Record an object, reporting E0575 when its kind/name is taken.
    fn push(&mut self, obj: Obj, span: Span) {
        let (kind, name) = obj.kind_name();
        match self.names.entry((kind.to_string(), name.to_string())) {
            Entry::Occupied(first) => {
                let (kind, name) = first.key();
                self.diags.push(
                    Diagnostic::error(
                        Code::E0575,
                        format!("two {kind} objects would both be named `{name}`"),
                    )
                    .with_primary(span, "this declaration's object")
                    .with_secondary(*first.get(), "clashes with this one's")
                    .with_help("rename one of the declarations"),
                );
            }
            Entry::Vacant(free) => {
                free.insert(span);
                self.out.objects.push(obj);
            }
        }
    }

    fn broker(&mut self) {
        let m = &self.env.root.manifest;
        if m.broker_external {
            return;
        }
        let span = self
            .env
            .root
            .manifest_file
            .map(|f| Span::new(f, 0, 0))
            .unwrap_or_default();
        let meta = Meta {
            name: m.broker_name.clone(),
            namespace: m.namespace.clone(),
            app: m.name.clone(),
            decl: m.broker_name.clone(),
            component: "broker",
            source: format!(
                "{}#broker/{}",
                self.env
                    .root
                    .manifest_file
                    .map(|f| self.env.sources.path(f))
                    .unwrap_or("air.toml"),
                m.broker_name
            ),
        };
        let broker = Obj::new(knative::eventing::broker_node(&meta), self.env.documents);
        self.push(broker, span);
    }

    fn event(&mut self, e: &EventDecl) {
        let info = event_info(self.env.program, 0, e);
        let schema = schema::data_schema(
            self.env.program,
            0,
            &e.name.name,
            event_data(e),
            e.doc.as_ref(),
        );
        let meta = self
            .env
            .meta(kebab_case(&e.name.name), &e.name, DeclKind::Event, "event");
        let spec = EventTypeSpec {
            event_type: info.ce_type,
            source: info.source,
            schema_data: crate::emit::json::pretty(&schema),
            description: e.doc.as_ref().map(|d| d.text.clone()),
            broker: self.env.root.manifest.broker_name.clone(),
        };
        let event_type = Obj::new(
            knative::eventing::event_type_node(&meta, &spec),
            self.env.documents,
        );
        self.push(event_type, e.name.span);
    }

    fn function(&mut self, f: &FunctionDecl) {
        let spec = service_spec(self.env.root, &f.members);
        let name = kebab_case(&f.name.name);
        let meta = self
            .env
            .meta(name.clone(), &f.name, DeclKind::Function, "function");
        let service = Obj::new(
            knative::serving::service_node(&meta, &spec),
            self.env.documents,
        );
        self.push(service, f.name.span);
        let dest = Destination::Service {
            name,
            namespace: self.env.ns(),
        };
        let mut built = Built::default();
        self.env.triggers(
            &f.name,
            DeclKind::Function,
            &f.members,
            &dest,
            true,
            &mut built,
        );
        self.record(built);
    }
}

/// CloudEvents identity of an event declared in app `app`.
pub struct EventInfo {
    pub ce_type: String,
    pub source: String,
}

/// `type` (default `<app>.<snake_name>`) and `source` (default `/<app>`).
pub fn event_info(program: &Program, app: usize, e: &EventDecl) -> EventInfo {
    let unit = program.apps.get(app);
    let app_name = unit.map(|u| u.manifest.name.clone()).unwrap_or_default();
    let mut ce_type = concat(&[&app_name, ".", &snake_case(&e.name.name)]);
    let mut source = concat(&["/", &app_name]);
    for m in &e.members {
        if let EventMember::Assign(a) = m {
            let v = unit
                .map(|u| value::text(&value::to_json(u, &a.value)))
                .unwrap_or_default();
            match a.key.name.as_str() {
                "type" => ce_type = v,
                "source" => source = v,
                _ => {}
            }
        }
    }
    EventInfo { ce_type, source }
}

/// The `data { … }` of an event, if any.
pub fn event_data(e: &EventDecl) -> Option<&ast::Fields> {
    e.members.iter().find_map(|m| match m {
        EventMember::Data(f) => Some(f),
        _ => None,
    })
}

/// A function's settings as a Service spec.
fn service_spec(app: &AppUnit, members: &[Member]) -> ServiceSpec {
    let mut spec = ServiceSpec::default();
    for m in members {
        match m {
            Member::Assign(a) => {
                let v = value::to_json(app, &a.value);
                match a.key.name.as_str() {
                    "image" => spec.image = value::text(&v),
                    "port" => spec.port = value::as_i64(&v),
                    // Above Knative's maximum is E0503, reported by the
                    // checks before lowering.
                    "timeout" => {
                        let secs = match &a.value.kind {
                            ast::ValueKind::Duration(d) => Some(d.millis.div_ceil(1000)),
                            _ => value::as_i64(&v).and_then(|s| u64::try_from(s).ok()),
                        };
                        spec.timeout_seconds = secs.and_then(|s| i64::try_from(s).ok());
                    }
                    _ => {}
                }
            }
            Member::Block(b) => {
                for e in &b.entries {
                    let v = value::to_json(app, &e.value);
                    let k = e.key.name.clone();
                    match b.key.name.as_str() {
                        "env" => spec.env.push((k, EnvValue::Plain(value::text(&v)))),
                        "secret_env" => {
                            if let ast::ValueKind::Secret { name, key } = &e.value.kind {
                                spec.env.push((
                                    k,
                                    EnvValue::Secret {
                                        name: name.value.clone(),
                                        key: key.value.clone(),
                                    },
                                ));
                            }
                        }
                        "scale" => match k.as_str() {
                            "min" => spec.min_scale = Some(value::text(&v)),
                            "max" => spec.max_scale = Some(value::text(&v)),
                            "target" => spec.target = Some(value::text(&v)),
                            "concurrency" => spec.container_concurrency = value::as_i64(&v),
                            _ => {}
                        },
                        "resources" => spec.requests.push((k, value::text(&v))),
                        "limits" => spec.limits.push((k, value::text(&v))),
                        _ => {}
                    }
                }
            }
            Member::On(_) | Member::Input(..) => {}
        }
    }
    spec
}
