//! The refs a remote advertises (its ls-remote list) and choosing the one a
//! [`GitRef`] names, including the highest tag in a semver range.

use git2::Oid;

use super::error::GitError;
use super::source::GitRef;

/// How many names an error lists as "available".
const SHOW_AVAILABLE: usize = 8;

/// A remote's advertised refs.
#[derive(Clone, Debug, Default)]
pub(crate) struct RemoteRefs {
    refs: Vec<(String, Oid)>,
}

/// The ref chosen on the remote and the object it points at.
#[derive(Clone, Debug)]
pub(crate) struct Chosen {
    pub(crate) ref_name: String,
    pub(crate) oid: Oid,
}

impl RemoteRefs {
    pub(crate) fn new(refs: Vec<(String, Oid)>) -> Self {
        RemoteRefs { refs }
    }

    fn get(&self, name: &str) -> Option<Oid> {
        self.refs.iter().find(|(n, _)| n == name).map(|(_, o)| *o)
    }

    fn names(&self, prefix: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .refs
            .iter()
            .filter_map(|(n, _)| n.strip_prefix(prefix))
            .filter(|n| !n.ends_with("^{}"))
            .map(str::to_string)
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Pick the remote ref for a branch, tag or semver range.
    pub(crate) fn choose(&self, reference: &GitRef, url: &str) -> Result<Chosen, GitError> {
        let not_found = |kind: &'static str, name: &str, mut available: Vec<String>| {
            available.truncate(SHOW_AVAILABLE);
            GitError::RefNotFound {
                url: url.to_string(),
                kind,
                name: name.to_string(),
                available,
            }
        };
        match reference {
            GitRef::Branch(b) => {
                let ref_name = format!("refs/heads/{b}");
                match self.get(&ref_name) {
                    Some(oid) => Ok(Chosen { ref_name, oid }),
                    None => Err(not_found("branch", b, self.names("refs/heads/"))),
                }
            }
            GitRef::Tag(t) => {
                let ref_name = format!("refs/tags/{t}");
                match self.get(&ref_name) {
                    Some(oid) => Ok(Chosen { ref_name, oid }),
                    None => Err(not_found("tag", t, newest_first(self.names("refs/tags/")))),
                }
            }
            GitRef::Semver(range) => {
                let tags = self.names("refs/tags/");
                match highest_matching(&tags, range)? {
                    Some(tag) => {
                        let ref_name = format!("refs/tags/{tag}");
                        match self.get(&ref_name) {
                            Some(oid) => Ok(Chosen { ref_name, oid }),
                            None => Err(not_found("tag", &tag, Vec::new())),
                        }
                    }
                    None => {
                        let mut available = newest_first(
                            tags.into_iter()
                                .filter(|t| parse_tag(t).is_some())
                                .collect(),
                        );
                        available.truncate(SHOW_AVAILABLE);
                        Err(GitError::NoMatchingTag {
                            url: url.to_string(),
                            range: range.clone(),
                            available,
                        })
                    }
                }
            }
            GitRef::Commit(c) => Err(GitError::InvalidConfig(format!(
                "commit `{c}` cannot be chosen from advertised refs"
            ))),
        }
    }
}

/// `v1.2.3` or `1.2.3` → the version.
fn parse_tag(tag: &str) -> Option<semver::Version> {
    let t = tag.strip_prefix('v').unwrap_or(tag);
    semver::Version::parse(t).ok()
}

/// Semver tags from highest to lowest, then any others by name.
fn newest_first(mut tags: Vec<String>) -> Vec<String> {
    tags.sort_by(|a, b| match (parse_tag(a), parse_tag(b)) {
        (Some(x), Some(y)) => y.cmp(&x).then_with(|| a.cmp(b)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.cmp(b),
    });
    tags
}

/// The tag with the highest version matching `range` (pre-releases follow
/// Cargo's rules: only when the range itself names one). When `v1.2.3` and
/// `1.2.3` both exist, the `v` form wins, deterministically.
pub(crate) fn highest_matching(tags: &[String], range: &str) -> Result<Option<String>, GitError> {
    let req = semver::VersionReq::parse(range)
        .map_err(|e| GitError::InvalidConfig(format!("`{range}` is not a semver range: {e}")))?;
    let best = tags
        .iter()
        .filter_map(|t| parse_tag(t).map(|v| (v, t)))
        .filter(|(v, _)| req.matches(v))
        .max_by(|(va, ta), (vb, tb)| va.cmp(vb).then_with(|| ta.cmp(tb)));
    Ok(best.map(|(_, t)| t.clone()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn tags(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn semver_picks_highest_match() {
        let t = tags(&[
            "v1.0.0",
            "v1.2.0",
            "1.3.1",
            "v2.0.0",
            "v1.4.0-rc.1",
            "latest",
        ]);
        assert_eq!(
            highest_matching(&t, "^1").unwrap().as_deref(),
            Some("1.3.1")
        );
        assert_eq!(
            highest_matching(&t, "~1.2").unwrap().as_deref(),
            Some("v1.2.0")
        );
        assert_eq!(
            highest_matching(&t, ">=2").unwrap().as_deref(),
            Some("v2.0.0")
        );
        assert_eq!(highest_matching(&t, "^3").unwrap(), None);
        assert_eq!(
            highest_matching(&t, ">=1.4.0-rc.1, <1.5")
                .unwrap()
                .as_deref(),
            Some("v1.4.0-rc.1")
        );
        assert!(highest_matching(&t, "not a range").is_err());
    }

    #[test]
    fn not_found_lists_available() {
        let oid = Oid::zero();
        let refs = RemoteRefs::new(vec![
            ("refs/heads/main".into(), oid),
            ("refs/heads/dev".into(), oid),
            ("refs/tags/v1.0.0".into(), oid),
            ("refs/tags/v1.0.0^{}".into(), oid),
        ]);
        let e = refs
            .choose(&GitRef::Branch("mian".into()), "file:///r")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "branch `mian` not found in file:///r (available: dev, main)"
        );
        let e = refs
            .choose(&GitRef::Semver("^2".into()), "file:///r")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`^2`") && e.contains("v1.0.0"), "{e}");
        assert!(refs.choose(&GitRef::Tag("v1.0.0".into()), "u").is_ok());
    }
}
