//! Declarations: type, event, error, param, function, service, workflow, import.

use super::Printer;
use super::values::{string, type_expr, value};
use crate::ast::*;

/// Where an item's text starts, its doc comment included.
pub(super) fn item_start(item: &Item) -> u32 {
    let doc = match item {
        Item::Type(d) => &d.doc,
        Item::Event(d) => &d.doc,
        Item::Error(d) => &d.doc,
        Item::Param(d) => &d.doc,
        Item::Function(d) => &d.doc,
        Item::Service(d) => &d.doc,
        Item::Workflow(d) => &d.doc,
        Item::Import(_) => &None,
    };
    let span = item.span();
    doc.as_ref()
        .map_or(span.start, |d| d.span.start.min(span.start))
}

pub(super) fn item(p: &mut Printer, item: &Item) {
    match item {
        Item::Type(d) => {
            p.doc(&d.doc);
            match &d.body {
                TypeBody::Struct(fields) => {
                    p.line(&format!("type {} {{", d.name.name));
                    p.ended(d.name.span.end);
                    field_list(p, fields);
                    p.line("}");
                }
                TypeBody::Alias(t) => {
                    p.line(&format!("type {} = {}", d.name.name, type_expr(t)));
                }
            }
            p.ended(d.span.end);
        }
        Item::Event(d) => {
            p.doc(&d.doc);
            let kw = if d.is_extern { "extern event" } else { "event" };
            p.line(&format!("{kw} {} {{", d.name.name));
            p.ended(d.name.span.end);
            p.indent();
            for (i, m) in d.members.iter().enumerate() {
                match m {
                    EventMember::Assign(a) => {
                        p.before_child(assign_start(a), i == 0);
                        assign(p, a);
                    }
                    EventMember::Data(fields) => {
                        p.before_child(fields.span.start, i == 0);
                        p.line("data {");
                        p.ended(fields.span.start + 1);
                        field_list(p, fields);
                        p.line("}");
                        p.ended(fields.span.end);
                    }
                }
            }
            close(p, d.span.end);
        }
        Item::Error(d) => {
            p.doc(&d.doc);
            p.line(&format!("error {} {{", d.name.name));
            p.ended(d.name.span.end);
            p.indent();
            for (i, a) in d.members.iter().enumerate() {
                p.before_child(assign_start(a), i == 0);
                assign(p, a);
            }
            close(p, d.span.end);
        }
        Item::Param(d) => {
            p.doc(&d.doc);
            let mut text = format!("param {}: {}", d.name.name, type_expr(&d.ty));
            if let Some(v) = &d.default {
                text.push_str(" = ");
                p.line(&text);
                value(p, v);
            } else {
                p.line(&text);
            }
            p.ended(d.span.end);
        }
        Item::Import(d) => {
            p.line(&format!("import {} as {}", string(&d.path), d.alias.name));
            p.ended(d.span.end);
        }
        Item::Function(d) => settings_decl(p, "function", &d.doc, &d.name, &d.members, d.span.end),
        Item::Service(d) => settings_decl(p, "service", &d.doc, &d.name, &d.members, d.span.end),
        Item::Workflow(d) => workflow(p, d),
    }
}

/// Print pending comments up to the closing brace, then the brace.
fn close(p: &mut Printer, end: u32) {
    p.comments_before(end.saturating_sub(1), true);
    p.dedent();
    p.line("}");
    p.ended(end);
}

fn field_list(p: &mut Printer, fields: &Fields) {
    p.indent();
    for (i, f) in fields.fields.iter().enumerate() {
        let start = f
            .doc
            .as_ref()
            .map_or(f.span.start, |d| d.span.start.min(f.span.start));
        p.before_child(start, i == 0);
        p.doc(&f.doc);
        let q = if f.optional { "?" } else { "" };
        p.line(&format!("{}{q}: {}", f.name.name, type_expr(&f.ty)));
        p.ended(f.span.end);
    }
    p.comments_before(fields.span.end.saturating_sub(1), true);
    p.dedent();
}

fn assign_start(a: &Assign) -> u32 {
    a.doc
        .as_ref()
        .map_or(a.span.start, |d| d.span.start.min(a.span.start))
}

fn assign(p: &mut Printer, a: &Assign) {
    p.doc(&a.doc);
    p.line(&format!("{} = ", a.key.name));
    value(p, &a.value);
    p.ended(a.span.end);
}

pub(super) fn member_start(m: &Member) -> u32 {
    match m {
        Member::Assign(a) => assign_start(a),
        Member::Block(b) => b
            .doc
            .as_ref()
            .map_or(b.span.start, |d| d.span.start.min(b.span.start)),
        other => other.span().start,
    }
}

pub(super) fn member(p: &mut Printer, m: &Member) {
    match m {
        Member::Assign(a) => assign(p, a),
        Member::Block(b) => {
            p.doc(&b.doc);
            p.line(&format!("{} ", b.key.name));
            super::values::object(p, &b.entries, b.span, true);
            p.ended(b.span.end);
        }
        Member::On(t) => {
            let text = match &t.kind {
                TriggerKind::Event { event, filter } => {
                    let mut s = format!("on {}", event.display());
                    if let Some(f) = filter {
                        s.push_str(&format!(" where {}", super::values::expr(f)));
                    }
                    s
                }
                TriggerKind::Schedule { cron, tz } => {
                    let mut s = format!("on schedule {}", string(cron));
                    if let Some(tz) = tz {
                        s.push_str(&format!(" tz {}", string(tz)));
                    }
                    s
                }
                TriggerKind::Http => "on http".to_string(),
            };
            p.line(&text);
            p.ended(t.span.end);
        }
        Member::Input(t, span) => {
            p.line(&format!("input {}", type_expr(t)));
            p.ended(span.end);
        }
    }
}

fn settings_decl(
    p: &mut Printer,
    kw: &str,
    doc: &Option<Doc>,
    name: &Ident,
    members: &[Member],
    end: u32,
) {
    p.doc(doc);
    p.line(&format!("{kw} {} {{", name.name));
    p.ended(name.span.end);
    p.indent();
    for (i, m) in members.iter().enumerate() {
        p.before_child(member_start(m), i == 0);
        member(p, m);
    }
    close(p, end);
}

fn workflow(p: &mut Printer, w: &WorkflowDecl) {
    p.doc(&w.doc);
    p.line(&format!("workflow {} {{", w.name.name));
    p.ended(w.name.span.end);
    p.indent();
    // Members and steps in source order (`order`: true = next member).
    let mut members = w.members.iter();
    let mut steps = w.body.steps.iter();
    let order: Vec<bool> = if w.order.len() == w.members.len() + w.body.steps.len() {
        w.order.clone()
    } else {
        std::iter::repeat_n(true, w.members.len())
            .chain(std::iter::repeat_n(false, w.body.steps.len()))
            .collect()
    };
    for (i, is_member) in order.iter().enumerate() {
        if *is_member {
            if let Some(m) = members.next() {
                p.before_child(member_start(m), i == 0);
                member(p, m);
            }
        } else if let Some(s) = steps.next() {
            super::steps::step(p, s, i == 0);
        }
    }
    close(p, w.span.end);
}
