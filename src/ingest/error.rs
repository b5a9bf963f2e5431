//! Problems found in the data, each with the file and line to fix.
//!
//! Import never stops at the first problem: a person fixing a report wants
//! the whole list at once, so every check pushes onto [`Problems`] and the
//! import fails at the end if the list is not empty.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in one place of the data: `reports/2011-2014.md:12: …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, relative to the data directory when it lies inside it.
    pub file: PathBuf,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
        }
    }
}

/// Every problem an import found, in the order of the files and lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn push(&mut self, file: &Path, line: usize, message: impl Into<String>) {
        self.0.push(Problem {
            file: file.to_path_buf(),
            line,
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter()
    }

    pub fn extend(&mut self, other: Problems) {
        self.0.extend(other.0);
    }

    /// `Ok(value)` when nothing was found, the sorted list otherwise.
    pub fn into_result<T>(mut self, value: T) -> Result<T, Problems> {
        if self.is_empty() {
            Ok(value)
        } else {
            self.0
                .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            Err(self)
        }
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "{n} problem{} in the data:",
            if n == 1 { "" } else { "s" }
        )?;
        for problem in &self.0 {
            writeln!(f, "{problem}")?;
        }
        Ok(())
    }
}
