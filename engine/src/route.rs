//! The Knative side of event delivery (filled in by the routing work).
