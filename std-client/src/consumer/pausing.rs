//! [`Consumer::pause`] and [`Consumer::resume`]: flow control per partition. A paused
//! partition is not fetched and none of its records is handed out; its position stays, and
//! what was fetched past it is dropped (a new partition epoch) and fetched again on resume.

use super::assignment::TopicPartition;
use super::handle::Consumer;
use crate::error::{Error, Result};

impl Consumer {
    /// Stops handing out and fetching records of `partitions` until [`Consumer::resume`]; their
    /// positions stay, and records fetched past them are dropped (fetched again on resume). A
    /// paused partition stays paused through a group rebalance that keeps it.
    ///
    /// # Errors
    /// [`Error::Usage`] naming the first partition that is not assigned (none is paused then).
    pub fn pause(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.set_paused(partitions, true)
    }

    /// Fetches and hands out records of paused `partitions` again, from their positions.
    ///
    /// # Errors
    /// As [`Consumer::pause`].
    pub fn resume(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.set_paused(partitions, false)
    }

    /// The paused partitions.
    pub fn paused(&self) -> Vec<TopicPartition> {
        let state = self.shared.state();
        let paused = state.partitions().iter().filter(|p| p.paused);
        paused.map(|p| p.topic_partition()).collect()
    }

    fn set_paused(&self, partitions: &[TopicPartition], paused: bool) -> Result<()> {
        {
            let mut state = self.shared.state();
            if let Some(missing) = partitions
                .iter()
                .find(|tp| state.get(&tp.topic, tp.partition).is_none())
            {
                return Err(Error::usage(format!(
                    "pause or resume of {missing}, which is not assigned to this consumer"
                )));
            }
            for tp in partitions {
                state.set_paused(&tp.topic, tp.partition, paused);
            }
        }
        self.shared.notify_fetchers();
        Ok(())
    }
}
