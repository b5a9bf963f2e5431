//! Czech text analysis (in progress).
