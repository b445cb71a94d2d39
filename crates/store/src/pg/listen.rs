//! Waking followers: every generation bump sends `NOTIFY notbetter_changes` in its transaction
//! (PostgreSQL delivers it at commit), and a [`ChangeListener`] waits for it on a connection of
//! its own, so a node indexes another node's write at once instead of at its next poll.

use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls};

use crate::Result;

/// The channel generation bumps notify.
pub(crate) const CHANNEL: &str = "notbetter_changes";

/// A connection listening for committed changes to a PostgreSQL store.
pub struct ChangeListener {
    url: String,
    client: Option<Client>,
}

impl ChangeListener {
    pub(crate) fn new(url: &str) -> ChangeListener {
        ChangeListener {
            url: url.to_string(),
            client: None,
        }
    }

    /// Waits up to `timeout` for a change to be committed; `true` when one was. The connection
    /// is opened on first use, and again after it is lost (the error is returned once).
    pub fn wait(&mut self, timeout: Duration) -> Result<bool> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            let mut c = Client::connect(&self.url, NoTls)?;
            c.batch_execute(&format!("LISTEN {CHANNEL}"))?;
            self.client = Some(c);
        }
        let Some(client) = self.client.as_mut() else {
            unreachable!("connected above")
        };
        let mut notifications = client.notifications();
        let got = notifications.timeout_iter(timeout).next();
        // Several commits may have notified: one follow step covers them all.
        while let Ok(Some(_)) = notifications.iter().next() {}
        drop(notifications);
        match got {
            Ok(n) => Ok(n.is_some()),
            Err(e) => {
                self.client = None;
                Err(e.into())
            }
        }
    }
}
