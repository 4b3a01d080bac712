//! The Serverless Workflow 1.0.3 interpreter (filled in by the interpreter work).
