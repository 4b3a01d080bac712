//! Where the cursor is, read from the text alone: while a file is being
//! typed it rarely parses, so completion cannot ask the syntax tree.

use super::index::is_ident_char;

/// Top-level declaration keywords.
pub const DECLARATIONS: &[&str] = &[
    "type", "event", "extern", "error", "param", "function", "service", "workflow", "import",
    "test",
];

/// The declaration the cursor is inside, from its header
/// (`workflow fulfil_order {` → ("workflow", "fulfil_order")).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enclosing {
    pub keyword: String,
    pub name: String,
}

/// The declaration whose braces hold `offset` (`None` at the top level).
/// Strings, comments and `${ }` are skipped so braces in them do not count.
pub fn enclosing(text: &str, offset: usize) -> Option<Enclosing> {
    let before = text.get(..offset)?;
    let mut depth = 0usize;
    let mut header: Option<Enclosing> = None;
    let mut words: Vec<&str> = Vec::new();
    let bytes = before.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = before[i..].find('\n').map_or(before.len(), |n| i + n);
                continue;
            }
            b'"' => {
                i = skip_string(before, i);
                continue;
            }
            b'{' => {
                if depth == 0 {
                    header = header_of(&words);
                    words.clear();
                }
                depth += 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    header = None;
                }
            }
            _ if depth == 0 && is_ident_char(char::from(b)) => {
                let len = before[i..]
                    .find(|c: char| !is_ident_char(c))
                    .unwrap_or(before.len() - i);
                let word = &before[i..i + len];
                // `test` starts a declaration only when a string follows.
                let test_decl = before[i + len..].trim_start().starts_with('"');
                if DECLARATIONS.contains(&word) && word != "extern" && (word != "test" || test_decl)
                {
                    words.clear();
                }
                words.push(word);
                i += len;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if depth == 0 {
        return None;
    }
    header
}

/// The offset after the string starting at `start` (its end, or the end
/// of the line when it is not closed).
fn skip_string(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' => return i,
            _ => i += 1,
        }
    }
    text.len()
}

fn header_of(words: &[&str]) -> Option<Enclosing> {
    let at = words
        .iter()
        .position(|w| DECLARATIONS.contains(w) && *w != "extern" && *w != "test")
        .or_else(|| (words.first() == Some(&"test")).then_some(0))?;
    Some(Enclosing {
        keyword: words.get(at)?.to_string(),
        name: words.get(at + 1).map(|s| s.to_string()).unwrap_or_default(),
    })
}

/// The text before the cursor split into what precedes the word being
/// typed and the word itself.
pub fn split_word(before: &str) -> (&str, &str) {
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_ident_char(*c))
        .last()
        .map_or(before.len(), |(i, _)| i);
    before.split_at(start)
}

/// The dotted chain right before the cursor's word: `${ .data.ship_to.`
/// → `.data.ship_to.`, `$context.` → `$context.`.
pub fn chain(head: &str) -> Option<&str> {
    if !head.ends_with('.') {
        return None;
    }
    let start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_ident_char(*c) || *c == '.' || *c == '$')
        .last()
        .map_or(head.len(), |(i, _)| i);
    head.get(start..)
}

/// The last `n` words before the cursor's word (on any line), last first.
pub fn previous_words(head: &str, n: usize) -> Vec<&str> {
    head.split(|c: char| !is_ident_char(c))
        .rev()
        .filter(|w| !w.is_empty())
        .take(n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_enclosing_declaration() {
        let text =
            "/// doc {\nevent A { data { x: string } }\nworkflow go {\n  on A\n  call \"{\" ";
        let got = enclosing(text, text.len());
        assert_eq!(
            got,
            Some(Enclosing {
                keyword: "workflow".into(),
                name: "go".into()
            })
        );
        assert_eq!(enclosing(text, text.find("workflow").unwrap_or(0)), None);
        let in_event = text.find("x:").unwrap_or(0);
        assert_eq!(
            enclosing(text, in_event).map(|e| e.keyword),
            Some("event".into())
        );
        let t = "workflow test {\n}\ntest \"a case\" {\n  ";
        assert_eq!(
            enclosing(t, t.len()),
            Some(Enclosing {
                keyword: "test".into(),
                name: String::new()
            })
        );
        let w = "workflow test {\n  ";
        assert_eq!(enclosing(w, w.len()).map(|e| e.name), Some("test".into()));
        let ext = "extern event B {\n ";
        assert_eq!(enclosing(ext, ext.len()).map(|e| e.name), Some("B".into()));
    }

    #[test]
    fn words_and_chains() {
        assert_eq!(split_word("  call inv"), ("  call ", "inv"));
        assert_eq!(split_word("x "), ("x ", ""));
        assert_eq!(chain("{ id: ${ .data.ship_to."), Some(".data.ship_to."));
        assert_eq!(chain("${ $context."), Some("$context."));
        assert_eq!(chain("call "), None);
        assert_eq!(previous_words("wait for ", 2), ["for", "wait"]);
    }
}
