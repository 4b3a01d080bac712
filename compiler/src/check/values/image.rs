//! Container image references, following the grammar of
//! `github.com/distribution/reference` (what the kubelet and Knative's
//! tag resolver accept):
//!
//! ```text
//! reference  ::= name (":" tag)? ("@" digest)?
//! name       ::= (domain "/")? component ("/" component)*
//! domain     ::= host (":" port)?           # has a "." or ":", or is "localhost"
//! component  ::= [a-z0-9]+ (([._] | "__" | "-"+) [a-z0-9]+)*
//! tag        ::= [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//! digest     ::= "sha256:" hex{64} | "sha384:" hex{96} | "sha512:" hex{128}
//! ```

use super::ValueError;

/// What an image reference pins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// Repository without tag or digest (`registry.example.com/img/resize`).
    pub name: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    /// Neither a tag nor a digest: the runtime pulls `:latest`.
    pub fn is_unpinned(&self) -> bool {
        self.tag.is_none() && self.digest.is_none()
    }

    /// Tagged `latest` without a digest.
    pub fn is_latest(&self) -> bool {
        self.digest.is_none() && self.tag.as_deref() == Some("latest")
    }
}

const NAME_MAX: usize = 255;

/// Parse an image reference; errors carry the byte range of the bad part.
pub fn parse(text: &str) -> Result<ImageRef, ValueError> {
    if text.is_empty() {
        return Err(ValueError::new(0..0, "empty image reference")
            .help("write `registry/repository:tag`, e.g. \"ghcr.io/acme/resize:1.4.2\""));
    }
    if let Some((i, c)) = text.char_indices().find(|(_, c)| c.is_whitespace()) {
        return Err(ValueError::new(
            i..i + c.len_utf8(),
            "whitespace in image reference",
        ));
    }
    let (rest, digest) = match text.split_once('@') {
        Some((r, d)) => {
            check_digest(d, r.len() + 1)?;
            (r, Some(d.to_string()))
        }
        None => (text, None),
    };
    // The tag is after the last ':' that follows the last '/' (a ':' before
    // it belongs to a registry port).
    let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => {
            let at = last_slash + i;
            let tag = &rest[at + 1..];
            check_tag(tag, at + 1)?;
            (&rest[..at], Some(tag.to_string()))
        }
        None => (rest, None),
    };
    check_name(name)?;
    Ok(ImageRef {
        name: name.to_string(),
        tag,
        digest,
    })
}

fn check_digest(d: &str, at: usize) -> Result<(), ValueError> {
    let range = at..at + d.len();
    let Some((alg, hex)) = d.split_once(':') else {
        return Err(ValueError::new(range, "malformed digest")
            .help("a digest is `sha256:` followed by 64 hex digits"));
    };
    let want = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            return Err(ValueError::new(
                at..at + alg.len(),
                format!("unsupported digest algorithm `{alg}`"),
            )
            .help("use a `sha256:` digest"));
        }
    };
    let hex_at = at + alg.len() + 1;
    if let Some(i) = hex.find(|c: char| !matches!(c, '0'..='9' | 'a'..='f')) {
        return Err(ValueError::new(
            hex_at + i..hex_at + i + 1,
            "digests are lowercase hexadecimal",
        ));
    }
    if hex.len() != want {
        return Err(ValueError::new(
            hex_at..hex_at + hex.len(),
            format!("{alg} digest has {} hex digits, expected {want}", hex.len()),
        ));
    }
    Ok(())
}

fn check_tag(tag: &str, at: usize) -> Result<(), ValueError> {
    if tag.is_empty() {
        return Err(
            ValueError::new(at - 1..at, "empty tag after `:`").help("remove the `:` or add a tag")
        );
    }
    if tag.len() > 128 {
        return Err(ValueError::new(
            at..at + tag.len(),
            "tag is longer than 128 characters",
        ));
    }
    for (i, c) in tag.char_indices() {
        let ok = c.is_ascii_alphanumeric() || c == '_' || (i > 0 && (c == '.' || c == '-'));
        if !ok {
            return Err(ValueError::new(
                at + i..at + i + c.len_utf8(),
                format!("invalid character `{c}` in tag"),
            )
            .help("tags use letters, digits, `_`, `.` and `-`, and do not start with `.` or `-`"));
        }
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), ValueError> {
    if name.is_empty() {
        return Err(ValueError::new(
            0..0,
            "image reference has no repository name",
        ));
    }
    if name.len() > NAME_MAX {
        return Err(ValueError::new(
            0..name.len(),
            format!("repository name is longer than {NAME_MAX} characters"),
        ));
    }
    let parts: Vec<&str> = name.split('/').collect();
    let mut at = 0;
    for (idx, part) in parts.iter().enumerate() {
        let is_domain = idx == 0
            && parts.len() > 1
            && (part.contains('.')
                || part.contains(':')
                || *part == "localhost"
                || part.chars().any(|c| c.is_ascii_uppercase()));
        if is_domain {
            check_domain(part, at)?;
        } else {
            // An empty last component ("a/") would point one past the end.
            check_component(part, at).map_err(|mut e| {
                e.range.end = e.range.end.min(name.len());
                e
            })?;
        }
        at += part.len() + 1;
    }
    Ok(())
}

fn check_domain(d: &str, at: usize) -> Result<(), ValueError> {
    let (host, port) = match d.rsplit_once(':') {
        Some((h, p)) if !h.starts_with('[') || h.ends_with(']') => (h, Some(p)),
        _ => (d, None),
    };
    if let Some(p) = port
        && (p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        let s = at + host.len() + 1;
        return Err(ValueError::new(
            s..s + p.len().max(1),
            format!("invalid registry port `{p}`"),
        ));
    }
    if host.starts_with('[') {
        return Ok(()); // IPv6 literal: left to the runtime.
    }
    let mut pos = at;
    for label in host.split('.') {
        let bad = label.is_empty()
            || label.starts_with('-')
            || label.ends_with('-')
            || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if bad {
            return Err(ValueError::new(
                pos..pos + label.len().max(1),
                format!("invalid registry host part `{label}`"),
            ));
        }
        pos += label.len() + 1;
    }
    Ok(())
}

fn check_component(c: &str, at: usize) -> Result<(), ValueError> {
    if c.is_empty() {
        return Err(ValueError::new(
            at.saturating_sub(1)..at + 1,
            "empty path component in image name",
        ));
    }
    let bytes = c.as_bytes();
    let mut i = 0;
    let mut prev_alnum = false;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_lowercase() || b.is_ascii_digit() {
            prev_alnum = true;
            i += 1;
            continue;
        }
        let sep_len = match b {
            b'.' => 1,
            b'_' if bytes.get(i + 1) == Some(&b'_') => 2,
            b'_' => 1,
            b'-' => bytes[i..].iter().take_while(|&&x| x == b'-').count(),
            _ => 0,
        };
        let next_ok = bytes
            .get(i + sep_len.max(1))
            .is_some_and(|x| x.is_ascii_lowercase() || x.is_ascii_digit());
        if sep_len == 0 || !prev_alnum || !next_ok {
            let ch_len = c[i..].chars().next().map(char::len_utf8).unwrap_or(1);
            let msg = if b.is_ascii_uppercase() {
                "image repository names are lowercase".to_string()
            } else {
                format!("invalid character `{}` in image name", &c[i..i + ch_len])
            };
            return Err(ValueError::new(at + i..at + i + ch_len, msg)
                .help("repository path parts use lowercase letters, digits and single `.`, `_`, `__` or `-` separators"));
        }
        prev_alnum = false;
        i += sep_len;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        let r = parse("registry.example.com/img/resize:1.4.2").expect("ok");
        assert_eq!(r.name, "registry.example.com/img/resize");
        assert_eq!(r.tag.as_deref(), Some("1.4.2"));
        assert!(!r.is_unpinned() && !r.is_latest());
        let r = parse("localhost:5000/app").expect("port");
        assert!(r.is_unpinned());
        assert_eq!(r.name, "localhost:5000/app");
        assert!(parse("nginx:latest").expect("latest").is_latest());
        let digest = format!("ghcr.io/acme/fn@sha256:{}", "a".repeat(64));
        let r = parse(&digest).expect("digest");
        assert!(!r.is_unpinned() && !r.is_latest());
        assert!(
            !parse(&format!("fn:latest@sha256:{}", "0".repeat(64)))
                .expect("both")
                .is_latest()
        );
        assert!(parse("my_org/my__app-x--y.z:v1_2-3").is_ok());
        assert!(parse("Registry.Example.com:443/a/b:T").is_ok());
    }

    #[test]
    fn rejects_with_offsets() {
        assert_eq!(parse("ghcr.io/Acme/fn:1").expect_err("upper").range, 8..9);
        assert_eq!(parse("fn:").expect_err("empty tag").range, 2..3);
        assert_eq!(parse("fn:1.0:2").expect_err("colon").range, 2..3);
        assert_eq!(parse("fn:-x").expect_err("tag dash").range, 3..4);
        assert_eq!(parse("fn@sha256:abc").expect_err("short").range, 10..13);
        assert_eq!(parse("fn@md5:abc").expect_err("alg").range, 3..6);
        assert_eq!(
            parse(&format!("fn@sha256:{}", "A".repeat(64)))
                .expect_err("hex")
                .range,
            10..11
        );
        assert_eq!(parse("a//b").expect_err("empty").range, 1..3);
        assert_eq!(parse("a/b-:1").expect_err("trailing sep").range, 3..4);
        assert_eq!(parse("a b").expect_err("space").range, 1..2);
        assert_eq!(parse("reg.io:xx/a").expect_err("port").range, 7..9);
        assert_eq!(parse("").expect_err("empty").range, 0..0);
        assert!(parse(&format!("a:{}", "x".repeat(129))).is_err());
    }
}
