//! Where writers in this process take their turn.

/// One writer at a time, in this process.
///
/// SQLite lets one connection write at a time. A writer that finds the
/// lock taken waits in SQLite's busy handler, which sleeps (1, 2, 5, … up
/// to 100 ms) between tries and can keep missing its turn, which makes the
/// slowest writes slow under load. Writers queued here instead take turns
/// in arrival order and never sleep. Writers in other processes
/// still meet the busy timeout.
#[derive(Debug, Default)]
pub struct WriteGate(tokio::sync::Mutex<()>);

impl WriteGate {
    /// Waits for this writer's turn, which lasts as long as the guard.
    pub async fn turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.0.lock().await
    }
}
