//! `air fmt`: one canonical layout, comments kept, idempotent.
