//! `catalog.json`: what the app offers and uses, for people and tools —
//! its events (CloudEvents type, source, JSON Schema, owner, producers,
//! consumers), functions, services and workflows. Lists are sorted, so
//! the file is deterministic.

use super::{event_data, event_info, schema, value};
use crate::ast::{self, Block, EventDecl, Member, StepKind, TriggerKind};
use crate::model::{DeclKind, Program, kebab_case};
use crate::naming::child_blocks;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default)]
struct EventUse {
    producers: BTreeSet<String>,
    consumers: BTreeSet<String>,
}

pub fn catalog(program: &Program) -> Value {
    let Some(root) = program.root() else {
        return json!({});
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
        functions.push(json!({
            "name": kebab_case(&f.name.name),
            "description": doc(&f.doc),
            "image": image,
        }));
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
                        triggers.push(json!({"event": event.display()}));
                    }
                    TriggerKind::Schedule { cron, tz } => triggers.push(json!({
                        "schedule": cron.value,
                        "timezone": tz.as_ref().map(|t| t.value.clone()),
                    })),
                    TriggerKind::Http => triggers.push(json!({"http": true})),
                }
            }
        }
        walk(&w.body, &mut |path, produce| {
            note(path, who.clone(), produce)
        });
        workflows.push(json!({
            "name": kebab_case(&w.name.name),
            "description": doc(&w.doc),
            "triggers": triggers,
        }));
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
    events.sort_by(|a, b| a["type"].as_str().cmp(&b["type"].as_str()));

    let mut services: Vec<Value> = root
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
            json!({"name": kebab_case(&s.name.name), "description": doc(&s.doc), "url": url})
        })
        .collect();
    services.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    functions.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    workflows.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));

    let m = &root.manifest;
    json!({
        "app": {
            "name": m.name,
            "namespace": m.namespace,
            "owner": m.owner,
            "description": m.description,
            "broker": m.broker_name,
        },
        "events": events,
        "functions": functions,
        "services": services,
        "workflows": workflows,
    })
}

fn event_entry(program: &Program, app: usize, e: &EventDecl, u: &EventUse) -> Value {
    let info = event_info(program, app, e);
    let unit = program.apps.get(app);
    let owner = if e.is_extern {
        Value::Null
    } else {
        let m = unit.map(|u| &u.manifest);
        json!(
            m.and_then(|m| m.owner.clone())
                .or(m.map(|m| m.name.clone()))
        )
    };
    let mut entry = Map::new();
    entry.insert("name".into(), json!(e.name.name));
    entry.insert(
        "app".into(),
        json!(unit.map(|u| u.manifest.name.clone()).unwrap_or_default()),
    );
    entry.insert("type".into(), json!(info.ce_type));
    entry.insert("source".into(), json!(info.source));
    entry.insert("description".into(), doc(&e.doc));
    entry.insert("extern".into(), json!(e.is_extern));
    entry.insert("owner".into(), owner);
    entry.insert("producers".into(), json!(u.producers));
    entry.insert("consumers".into(), json!(u.consumers));
    entry.insert(
        "schema".into(),
        schema::data_schema(program, app, &e.name.name, event_data(e), e.doc.as_ref()),
    );
    Value::Object(entry)
}

fn doc(d: &Option<ast::Doc>) -> Value {
    d.as_ref().map(|d| json!(d.text)).unwrap_or(Value::Null)
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
