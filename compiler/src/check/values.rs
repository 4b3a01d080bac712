//! Pure validators for the literal values `.air` settings take: cron
//! schedules, time zones, Kubernetes quantities, image references and
//! names. They work on plain strings and report problems as byte ranges
//! inside the string, so the checker can point at the exact character in
//! the `.air` file (and other stages can reuse them without an AST).

pub(crate) mod cron;
pub(crate) mod image;
pub mod names;
pub(crate) mod quantity;
pub(crate) mod tz;

// Defined beside `Diagnostic` (a leaf) so that the naming rules below the
// checks (`crate::naming`) report in the same form.
pub use crate::diagnostic::ValueError;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// The validators never panic, and every error range lies inside
        /// the text on character boundaries (so spans built from it are
        /// valid).
        #[test]
        fn validators_never_panic(s in "\\PC{0,40}") {
            let results = [
                super::cron::validate(&s).err(),
                super::tz::validate(&s).err(),
                super::quantity::parse(&s).err(),
                super::image::parse(&s).err(),
                super::names::dns1123_label(&s).err(),
                super::names::dns1123_subdomain(&s).err(),
                super::names::secret_key(&s).err(),
                super::names::env_var_name(&s).err(),
            ];
            for e in results.into_iter().flatten() {
                prop_assert!(e.range.start <= e.range.end && e.range.end <= s.len(), "{e:?} in {s:?}");
                prop_assert!(s.is_char_boundary(e.range.start) && s.is_char_boundary(e.range.end), "{e:?} in {s:?}");
            }
        }

        #[test]
        fn cron_like_strings_never_panic(s in "[0-9*/,A-Za-z@ -]{0,30}") {
            if let Err(e) = super::cron::validate(&s) {
                prop_assert!(e.range.end <= s.len());
            }
        }

        #[test]
        fn jq_errors_stay_inside_the_text(s in "[.a-z$|(){}\\[\\]\" 0-9=+-]{0,30}") {
            if let Err(errs) = crate::check::jq::syntax(&s) {
                for e in errs {
                    prop_assert!(e.range.start <= e.range.end && e.range.end <= s.len(), "{e:?} in {s:?}");
                }
            }
        }
    }
}
