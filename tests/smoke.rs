//! Workspace-level placeholder test.
