//! Charts of one run (placeholder until the charts land).
