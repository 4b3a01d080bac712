//! `catalog.json`: what the app offers and uses, for people and tools —
//! its events (CloudEvents type, source, JSON Schema, owner, producers,
//! consumers), functions, services and workflows. Lists are sorted, so
//! the file is deterministic.

use super::{event_data, event_info, schema, value};
use crate::ast::{self, Block, EventDecl, Member, StepKind, TriggerKind};
use crate::emit::tree::{Node, NodeMap};
use crate::model::{DeclKind, Program, kebab_case};
use crate::naming::child_blocks;
use crate::node;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default)]
struct EventUse {
    producers: BTreeSet<String>,
    consumers: BTreeSet<String>,
}

/// The catalog of the root app's events, as a tree (what `air build`
/// prints).
pub fn catalog_node(program: &Program) -> Node {
    let Some(root) = program.root() else {
        return node! {};
    };
    // (app index, event name) → use.
    let mut uses: BTreeMap<(usize, String), EventUse> = BTreeMap::new();
    for e in root.events() {
        uses.entry((0, e.name.name.clone())).or_default();
    }
    let mut note = |path: &ast::Path, who: String, produce: bool| {
        if let Some((app, ast::Item::Event(e))) = program.lookup_path(0, DeclKind::Event, path) {
            let u = uses.entry((app, e.name.name.clone())).or_default();
            if produce {
                u.producers.insert(who);
            } else {
                u.consumers.insert(who);
            }
        }
    };

    let mut functions = Vec::new();
    for f in root.functions() {
        let who = format!("function/{}", kebab_case(&f.name.name));
        let mut image = String::new();
        for m in &f.members {
            match m {
                Member::On(ast::Trigger {
                    kind: TriggerKind::Event { event, .. },
                    ..
                }) => note(event, who.clone(), false),
                Member::Assign(a) if a.key.name == "image" => {
                    image = value::text(&value::to_json(root, &a.value));
                }
                _ => {}
            }
        }
        functions.push(node! {
            "name" => kebab_case(&f.name.name),
            "description" => doc(&f.doc),
            "image" => image,
        });
    }

    let mut workflows = Vec::new();
    for w in root.workflows() {
        let who = format!("workflow/{}", kebab_case(&w.name.name));
        let mut triggers = Vec::new();
        for m in &w.members {
            if let Member::On(t) = m {
                match &t.kind {
                    TriggerKind::Event { event, .. } => {
                        note(event, who.clone(), false);
                        triggers.push(node! { "event" => event.display() });
                    }
                    TriggerKind::Schedule { cron, tz } => triggers.push(node! {
                        "schedule" => cron.value.clone(),
                        "timezone" => tz.as_ref().map(|t| t.value.clone()),
                    }),
                    TriggerKind::Http => triggers.push(node! { "http" => true }),
                }
            }
        }
        walk(&w.body, &mut |path, produce| {
            note(path, who.clone(), produce)
        });
        workflows.push(node! {
            "name" => kebab_case(&w.name.name),
            "description" => doc(&w.doc),
            "triggers" => triggers,
        });
    }

    let mut events = Vec::new();
    for ((app, name), u) in &uses {
        let Some(unit) = program.apps.get(*app) else {
            continue;
        };
        let Some(ast::Item::Event(e)) = unit.lookup(DeclKind::Event, name) else {
            continue;
        };
        events.push(event_entry(program, *app, e, u));
    }
    events.sort_by(|a, b| field(a, "type").cmp(&field(b, "type")));

    let mut services: Vec<Node> = root
        .items()
        .filter_map(|i| match i {
            ast::Item::Service(s) => Some(s),
            _ => None,
        })
        .map(|s| {
            let url = s
                .members
                .iter()
                .find_map(|m| match m {
                    Member::Assign(a) if a.key.name == "url" => {
                        Some(value::text(&value::to_json(root, &a.value)))
                    }
                    _ => None,
                })
                .unwrap_or_default();
            node! { "name" => kebab_case(&s.name.name), "description" => doc(&s.doc), "url" => url }
        })
        .collect();
    services.sort_by(|a, b| field(a, "name").cmp(&field(b, "name")));
    functions.sort_by(|a, b| field(a, "name").cmp(&field(b, "name")));
    workflows.sort_by(|a, b| field(a, "name").cmp(&field(b, "name")));

    let m = &root.manifest;
    node! {
        "app" => node! {
            "name" => m.name.clone(),
            "namespace" => m.namespace.clone(),
            "owner" => m.owner.clone(),
            "description" => m.description.clone(),
            "broker" => m.broker_name.clone(),
        },
        "events" => events,
        "functions" => functions,
        "services" => services,
        "workflows" => workflows,
    }
}

/// A string field of an entry (the sort keys of the lists).
fn field<'a>(entry: &'a Node, key: &str) -> Option<&'a str> {
    entry.get(key).and_then(Node::as_str)
}

fn event_entry(program: &Program, app: usize, e: &EventDecl, u: &EventUse) -> Node {
    let info = event_info(program, app, e);
    let unit = program.apps.get(app);
    let owner = if e.is_extern {
        Node::Null
    } else {
        let m = unit.map(|u| &u.manifest);
        Node::from(
            m.and_then(|m| m.owner.clone())
                .or(m.map(|m| m.name.clone())),
        )
    };
    let names =
        |set: &BTreeSet<String>| -> Vec<Node> { set.iter().cloned().map(Node::from).collect() };
    let mut entry = NodeMap::with_capacity(10);
    entry.insert("name", e.name.name.clone());
    entry.insert(
        "app",
        unit.map(|u| u.manifest.name.clone()).unwrap_or_default(),
    );
    entry.insert("type", info.ce_type);
    entry.insert("source", info.source);
    entry.insert("description", doc(&e.doc));
    entry.insert("extern", e.is_extern);
    entry.insert("owner", owner);
    entry.insert("producers", names(&u.producers));
    entry.insert("consumers", names(&u.consumers));
    entry.insert(
        "schema",
        Node::from_json(&schema::data_schema(
            program,
            app,
            &e.name.name,
            event_data(e),
            e.doc.as_ref(),
        )),
    );
    Node::Map(entry)
}

fn doc(d: &Option<ast::Doc>) -> Node {
    d.as_ref()
        .map_or(Node::Null, |d| Node::from(d.text.clone()))
}

/// Every `emit` (produce = true) and `wait for` (false) in a block.
fn walk(block: &Block, f: &mut dyn FnMut(&ast::Path, bool)) {
    for step in &block.steps {
        match &step.kind {
            StepKind::Emit { event, .. } => f(event, true),
            StepKind::WaitFor { events, .. } => {
                for e in events {
                    f(e, false);
                }
            }
            _ => {}
        }
        for child in child_blocks(&step.kind) {
            walk(child, f);
        }
    }
}
