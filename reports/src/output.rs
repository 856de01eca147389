//! The run directory: written under a `.partial` name and renamed into place only when the
//! run has finished, so an interrupted or failed run never leaves output that looks complete.

use crate::ReportError;
use std::path::{Path, PathBuf};

/// A run directory being written.
pub struct RunDir {
    final_path: PathBuf,
    partial_path: PathBuf,
    committed: bool,
}

impl RunDir {
    /// Starts writing a run to `path`. Fails if `path` exists and `overwrite` is false.
    pub fn create(path: &Path, overwrite: bool) -> Result<Self, ReportError> {
        if path.exists() && !overwrite {
            return Err(ReportError::Output(format!(
                "{}: already exists (pass --force to replace it, or choose another --out)",
                path.display()
            )));
        }
        let name = path.file_name().ok_or_else(|| {
            ReportError::Output(format!("{}: not a directory name", path.display()))
        })?;
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|source| io(parent, source))?;
        let partial_path = parent.join(format!(
            ".{}.partial-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        if partial_path.exists() {
            std::fs::remove_dir_all(&partial_path).map_err(|source| io(&partial_path, source))?;
        }
        std::fs::create_dir(&partial_path).map_err(|source| io(&partial_path, source))?;
        Ok(Self {
            final_path: path.to_path_buf(),
            partial_path,
            committed: false,
        })
    }

    /// Where files go while the run is in progress.
    pub fn path(&self) -> &Path {
        &self.partial_path
    }

    /// The directory the run will have once committed.
    pub fn final_path(&self) -> &Path {
        &self.final_path
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.partial_path.join(name)
    }

    /// Moves the finished run into place, replacing an older run at the same path.
    pub fn commit(mut self) -> Result<PathBuf, ReportError> {
        if self.final_path.exists() {
            std::fs::remove_dir_all(&self.final_path)
                .map_err(|source| io(&self.final_path, source))?;
        }
        std::fs::rename(&self.partial_path, &self.final_path)
            .map_err(|source| io(&self.final_path, source))?;
        self.committed = true;
        Ok(self.final_path.clone())
    }
}

impl Drop for RunDir {
    /// A run that did not finish leaves nothing behind.
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.partial_path);
        }
    }
}

fn io(path: &Path, source: std::io::Error) -> ReportError {
    ReportError::Io {
        path: path.display().to_string(),
        cause: source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("taosim-rundir-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn commit_moves_into_place_and_drop_cleans_up() {
        let base = scratch("commit");
        let out = base.join("run");
        let dir = RunDir::create(&out, false).unwrap();
        std::fs::write(dir.file("x"), "1").unwrap();
        assert!(!out.exists(), "nothing at the final path while running");
        dir.commit().unwrap();
        assert_eq!(std::fs::read_to_string(out.join("x")).unwrap(), "1");

        assert!(
            RunDir::create(&out, false).is_err(),
            "an existing run is not replaced silently"
        );
        let dir = RunDir::create(&out, true).unwrap();
        let partial = dir.path().to_path_buf();
        drop(dir);
        assert!(!partial.exists(), "an abandoned run leaves nothing");
        assert!(out.join("x").exists(), "and the old run is untouched");
        std::fs::remove_dir_all(&base).unwrap();
    }
}
