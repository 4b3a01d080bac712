//! pest errors → diagnostics a person understands: the rules pest expected
//! are grouped into families ("a step", "a setting", "a value", …) and the
//! offending token is quoted with its own span.

use super::grammar::Rule;
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, suggest};
use crate::span::{FileId, Span};

const DECLARATION: &str = "a declaration (`type`, `event`, `error`, `param`, `function`, `service`, `workflow`, `import` or `test`)";
const TEST_STMT: &str =
    "a test statement (`send`, `start`, `tick`, `advance`, `mock`, `expect` or `allow`)";
const EXPECTATION: &str = "an expectation (`emit`, `call`, `workflow`, `order` or `no`)";
const OUTCOME: &str = "an outcome (`completes`, `fails` or `context`)";
const STEP: &str = "a step (`call`, `emit`, `wait`, `set`, `if`, `for`, `try`, `return`, …)";
const SETTING: &str = "a setting (`key = value`, `key { … }`, `on …`)";
const MODIFIER: &str = "a modifier (`timeout`, `retry`, `then`, `when`)";
const TYPE: &str = "a type (`string`, `number`, `integer`, `boolean`, `any`, `[T]`, `map<T>`, a type name or `\"a\" | \"b\"`)";
const VALUE: &str = "a value (a string, number, duration, `true`, `false`, `null`, `[…]`, `{…}`, `${ … }`, `params.name` or `secret(…)`)";
const TRIGGER: &str = "a trigger (an event name, `schedule \"cron\"` or `http`)";

const STEP_WORDS: &[&str] = &[
    "call", "run", "emit", "wait", "set", "if", "switch", "parallel", "race", "for", "try", "fail",
    "return",
];
const DECL_WORDS: &[&str] = &[
    "type", "event", "extern", "error", "param", "function", "service", "workflow", "import",
    "test",
];
const TEST_WORDS: &[&str] = &[
    "send", "start", "tick", "advance", "mock", "expect", "allow",
];
const EXPECT_WORDS: &[&str] = &["emit", "call", "workflow", "order", "no"];
const OUTCOME_WORDS: &[&str] = &["completes", "fails", "context"];
const MODIFIER_WORDS: &[&str] = &["timeout", "retry", "then", "when"];
const SETTING_WORDS: &[&str] = &["on", "input"];

/// (family, short name of the family, description of this one rule)
fn describe(rule: Rule) -> Option<(&'static str, &'static str, &'static str)> {
    use Rule::*;
    Some(match rule {
        type_decl | event_decl | error_decl | param_decl | function_decl | service_decl
        | workflow_decl | import_decl | kw_type | kw_event | kw_extern | kw_error | kw_param
        | kw_function | kw_service | kw_workflow | kw_import | test_decl | kw_test => {
            (DECLARATION, "a declaration", DECLARATION)
        }
        send_stmt | start_stmt | tick_stmt | advance_stmt | mock_stmt | expect_stmt
        | allow_stmt | kw_send | kw_start | kw_tick | kw_advance | kw_mock | kw_expect
        | kw_allow => (TEST_STMT, "a test statement", TEST_STMT),
        expect_no | expect_emit | expect_call | expect_workflow | expect_order | emit_match
        | call_match | kw_no | kw_order => (EXPECTATION, "an expectation", EXPECTATION),
        wf_completes | wf_fails | wf_context | kw_completes | kw_fails | kw_context => {
            (OUTCOME, "an outcome", OUTCOME)
        }
        call_pattern => ("call", "`call`", "`call` and a function or service"),
        response => (
            "response",
            "a response",
            "a response (a status, a value, or both: `402 { reason: \"x\" }`)",
        ),
        status | count => ("count", "a whole number", "a whole number"),
        times | kw_times => ("times", "`times`", "`times`"),
        send_with | kw_with => ("with", "`with`", "`with { attributes }`"),
        after_clause | kw_after => ("after", "`after`", "`after` and a duration"),
        kw_status => ("status", "`status`", "`status`"),
        step | label | call_step | run_step | emit_step | sleep_step | wait_for_step | set_step
        | if_step | switch_step | parallel_step | race_step | for_step | try_step | fail_step
        | return_step | kw_call | kw_run | kw_emit | kw_set | kw_switch | kw_parallel | kw_race
        | kw_try | kw_fail | kw_return => (STEP, "a step", STEP),
        trigger | input_member | assign | block_setting | data_fields | kw_on | kw_input
        | kw_data => (SETTING, "a setting", SETTING),
        timeout_mod | retry | then_mod | when_mod | kw_timeout | kw_retry | kw_then | kw_when => {
            (MODIFIER, "a modifier", MODIFIER)
        }
        type_expr | list_type | map_type | enum_type | primitive | kw_map => (TYPE, "a type", TYPE),
        value => (VALUE, "a value", VALUE),
        object => (VALUE, "a value", "an object `{ … }`"),
        list => (VALUE, "a value", "a list `[ … ]`"),
        expr => (VALUE, "a value", "a runtime expression `${ … }`"),
        string | block_string => (VALUE, "a value", "a string"),
        duration => (
            VALUE,
            "a value",
            "a duration (`250ms`, `30s`, `5m`, `1h30m`, `2d`)",
        ),
        number => (VALUE, "a value", "a number"),
        boolean => (VALUE, "a value", "`true` or `false`"),
        null => (VALUE, "a value", "`null`"),
        param_ref => (VALUE, "a value", "`params.name`"),
        secret | kw_secret => (VALUE, "a value", "`secret(\"name\", \"key\")`"),
        on_schedule | on_http | on_event | kw_schedule | kw_http => (TRIGGER, "a trigger", TRIGGER),
        fields => ("fields", "`{ … }`", "`{` and fields (`name: type`)"),
        field => (
            "field",
            "a field",
            "a field (`name: type` or `name?: type`)",
        ),
        entry => ("entry", "an entry", "an entry (`key: value`)"),
        ident | path | catch_error => ("name", "a name", "a name"),
        target => (
            "target",
            "a jump target",
            "a jump target (a step label, `end`, `exit` or `continue`)",
        ),
        block => ("block", "a block", "a block of steps `{ … }`"),
        branch | kw_branch => ("branch", "a branch", "a branch (`branch name { … }`)"),
        switch_case | kw_case => ("case", "a case", "a case (`case ${ … } => target`)"),
        switch_default | else_if | kw_else => ("else", "`else`", "`else`"),
        catch | kw_catch => ("catch", "`catch`", "`catch`"),
        http_method => (
            "method",
            "an HTTP method",
            "an HTTP method (`GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD` or `OPTIONS`)",
        ),
        attempts => ("attempts", "a number of attempts", "a number of attempts"),
        backoff_kind => (
            "backoff",
            "a backoff",
            "`constant`, `linear` or `exponential`",
        ),
        correlate => (
            "correlate",
            "a correlation",
            "a correlation (`field = ${ … }`)",
        ),
        wait_all | wait_any | kw_all | kw_any => (
            "events",
            "an event",
            "an event name, `all(E1, E2)` or `any(E1, E2)`",
        ),
        kw_as => ("as", "`as`", "`as`"),
        kw_where => ("where", "`where`", "`where`"),
        kw_tz => ("tz", "`tz`", "`tz`"),
        kw_for => ("for", "`for`", "`for`"),
        kw_wait => ("wait", "`wait`", "`wait`"),
        kw_correlate => ("correlate kw", "`correlate`", "`correlate`"),
        kw_if => ("if", "`if`", "`if`"),
        kw_in => ("in", "`in`", "`in`"),
        kw_while => ("while", "`while`", "`while`"),
        kw_backoff => ("backoff kw", "`backoff`", "`backoff`"),
        kw_max => ("max", "`max`", "`max`"),
        kw_within => ("within", "`within`", "`within`"),
        EOI => ("eof", "the end of the file", "the end of the file"),
        _ => return None,
    })
}

/// The keywords a family starts with, for "did you mean" hints.
fn words(family: &str) -> &'static [&'static str] {
    match family {
        DECLARATION => DECL_WORDS,
        STEP => STEP_WORDS,
        MODIFIER => MODIFIER_WORDS,
        SETTING => SETTING_WORDS,
        TRIGGER => &["schedule", "http"],
        TEST_STMT => TEST_WORDS,
        EXPECTATION => EXPECT_WORDS,
        OUTCOME => OUTCOME_WORDS,
        "backoff" => &["constant", "linear", "exponential"],
        "method" => &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
        "else" => &["else"],
        "catch" => &["catch"],
        "branch" => &["branch"],
        "case" => &["case"],
        "as" => &["as"],
        "where" => &["where"],
        "for" => &["for"],
        "in" => &["in"],
        _ => &[],
    }
}

/// "expected …" from the rules pest tried at the error position.
pub(super) fn expected(rules: &[Rule]) -> (String, Vec<&'static str>) {
    // family → distinct descriptions, in first-seen order, then sorted by a
    // fixed family priority so messages are stable.
    let mut groups: Vec<(&'static str, &'static str, Vec<&'static str>)> = Vec::new();
    for &r in rules {
        let Some((family, short, own)) = describe(r) else {
            continue;
        };
        match groups.iter_mut().find(|g| g.0 == family) {
            Some(g) => {
                if !g.2.contains(&own) {
                    g.2.push(own);
                }
            }
            None => groups.push((family, short, vec![own])),
        }
    }
    let rank = |f: &str| {
        [DECLARATION, STEP, SETTING, MODIFIER, VALUE, "eof"]
            .iter()
            .position(|x| *x == f)
            .unwrap_or(4)
    };
    groups.sort_by_key(|g| rank(g.0));
    // "the end of the file" only helps when nothing else is expected.
    if groups.len() > 1 {
        groups.retain(|g| g.0 != "eof");
    }
    let mut hints: Vec<&'static str> = Vec::new();
    for g in &groups {
        hints.extend(words(g.0));
    }
    let parts: Vec<&str> = if groups.len() == 1 {
        let g = &groups[0];
        if g.2.len() == 1 {
            vec![g.2[0]]
        } else if [
            VALUE,
            STEP,
            DECLARATION,
            SETTING,
            TEST_STMT,
            EXPECTATION,
            OUTCOME,
        ]
        .contains(&g.0)
        {
            vec![g.0]
        } else {
            g.2.clone()
        }
    } else {
        groups
            .iter()
            .map(|g| {
                let big = [
                    DECLARATION,
                    STEP,
                    SETTING,
                    MODIFIER,
                    TYPE,
                    TRIGGER,
                    TEST_STMT,
                    EXPECTATION,
                    OUTCOME,
                ]
                .contains(&g.0);
                if g.2.len() == 1 && !big { g.2[0] } else { g.1 }
            })
            .collect()
    };
    (join_or(&parts), hints)
}

fn join_or(parts: &[&str]) -> String {
    match parts {
        [] => "something else".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The token at `pos` of `text`, described, with its span.
pub(super) fn found(file: FileId, text: &str, pos: usize) -> (String, Span, Option<String>) {
    let b = text.as_bytes();
    let mut pos = pos.min(b.len());
    while pos < b.len() && b[pos].is_ascii_whitespace() {
        pos += 1;
    }
    if pos >= b.len() {
        return (
            "the end of the file".into(),
            Span::new(file, b.len(), b.len()),
            None,
        );
    }
    let word_end = |from: usize| {
        let mut e = from;
        while e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'_' || b[e] == b'.') {
            e += 1;
        }
        e
    };
    let c = b[pos];
    if c.is_ascii_alphabetic() || c == b'_' {
        let mut e = pos;
        while e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'_') {
            e += 1;
        }
        let w = &text[pos..e];
        return (
            format!("`{w}`"),
            Span::new(file, pos, e),
            Some(w.to_string()),
        );
    }
    if c.is_ascii_digit() || (c == b'-' && b.get(pos + 1).is_some_and(u8::is_ascii_digit)) {
        let e = word_end(pos + 1);
        return (
            format!("`{}`", &text[pos..e]),
            Span::new(file, pos, e),
            None,
        );
    }
    if c == b'"' {
        let e = text[pos + 1..]
            .find(['"', '\n'])
            .map_or(b.len(), |i| (pos + 2 + i).min(b.len()));
        return ("a string".into(), Span::new(file, pos, e), None);
    }
    if text[pos..].starts_with("${") {
        return (
            "a runtime expression".into(),
            Span::new(file, pos, pos + 2),
            None,
        );
    }
    let ch = text[pos..].chars().next().unwrap_or(' ');
    let shown = if ch.is_control() {
        format!("{:?}", ch)
    } else {
        format!("`{ch}`")
    };
    (shown, Span::new(file, pos, pos + ch.len_utf8()), None)
}

/// Literal tokens worth naming in "expected …" (whitespace, `,`, `+` and
/// the like are optional almost everywhere and only add noise).
pub(super) const PUNCTUATION: &[&str] = &[":", "=", "{", "}", "(", ")", "[", "]", "=>", "<", ">"];

/// The diagnostic for a pest error. `pos` is where pest's rule-level
/// error is (relative to `base`); `tokens` is the furthest position any
/// literal was tried at and the punctuation expected there.
pub(super) fn syntax_error(
    file: FileId,
    text: &str,
    base: usize,
    pos: usize,
    positives: &[Rule],
    tokens: (usize, Vec<String>),
) -> Diagnostic {
    let (tpos, toks) = tokens;
    let quoted: Vec<String> = toks.iter().map(|t| format!("`{t}`")).collect();
    let rule_pos = base + pos;
    let token_pos = base + tpos;
    // A literal was tried further on than the failing rule: usually the
    // more precise place (`param p = 1` → expected `:`). But when the
    // only thing between is one word that could also start a step label,
    // the word itself is the likelier mistake (`cal inventory`).
    let between = text.get(rule_pos..token_pos).unwrap_or("").trim();
    let one_word = !between.is_empty()
        && between
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let use_tokens =
        token_pos > rule_pos && !quoted.is_empty() && !(one_word && toks.iter().any(|t| t == ":"));
    let (what, hints, at) = if use_tokens {
        (
            join_or(&quoted.iter().map(String::as_str).collect::<Vec<_>>()),
            Vec::new(),
            token_pos,
        )
    } else {
        let (mut what, hints) = expected(positives);
        // At the same place, name closing brackets too (`}` is a literal,
        // not a rule). Openers already start a described rule, and `:` /
        // `=` there come from re-reading the previous word as a label or
        // key.
        let closers: Vec<&str> = quoted
            .iter()
            .map(String::as_str)
            .filter(|t| ["`}`", "`]`", "`)`", "`>`", "`=>`"].contains(t))
            .collect();
        if token_pos == rule_pos && !closers.is_empty() {
            what = if positives.is_empty() {
                join_or(&closers)
            } else {
                format!("{what} or {}", join_or(&closers))
            };
        }
        (what, hints, rule_pos)
    };
    let (found, span, word) = found(file, text, at);
    let short = if what.len() > 40 {
        "unexpected here".to_string()
    } else {
        format!("expected {what}")
    };
    let d = Diagnostic::error(Code::E0100, format!("expected {what}, found {found}"))
        .with_primary(span, short);
    let suggestion = word
        .as_deref()
        .and_then(|w| suggest(w, hints.iter().copied()));
    match suggestion {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None if what.starts_with("a setting") || what.contains(", a setting") || what.ends_with("or a setting") => d.with_help(
            "settings are written `key = value`, `key { name: value … }`, `on Event` or `input Type`",
        ),
        None => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_collapse() {
        let (s, _) = expected(&[Rule::step, Rule::assign, Rule::kw_on]);
        assert_eq!(s, "a step or a setting");
        let (s, _) = expected(&[Rule::step]);
        assert_eq!(s, STEP);
        let (s, _) = expected(&[Rule::expr]);
        assert_eq!(s, "a runtime expression `${ … }`");
        let (s, _) = expected(&[Rule::kw_type, Rule::event_decl, Rule::EOI]);
        assert_eq!(s, DECLARATION);
        let (s, _) = expected(&[Rule::kw_for, Rule::duration]);
        assert_eq!(
            s,
            "`for` or a duration (`250ms`, `30s`, `5m`, `1h30m`, `2d`)"
        );
    }

    #[test]
    fn found_tokens() {
        let f = FileId(0);
        assert_eq!(found(f, "  cal x", 0).0, "`cal`");
        assert_eq!(found(f, "}", 0).0, "`}`");
        assert_eq!(found(f, "", 0).0, "the end of the file");
        assert_eq!(found(f, "\"abc\" x", 0).1, Span::new(f, 0, 5));
        assert_eq!(found(f, "12ab", 0).0, "`12ab`");
    }
}
