//! [`Acks`]: the acknowledgement a Produce request asks for, shared by every producer
//! (the embedded client, the std client's producer, the tests).

/// How many replicas must have a batch before the broker answers a Produce request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Acks {
    /// acks=0: the broker sends no response; nothing says whether the batch was written.
    None,
    /// acks=1: the partition leader has written it.
    Leader,
    /// acks=all (-1): every in-sync replica has it (the default, as in the Java client).
    #[default]
    All,
}

impl Acks {
    /// The value of the Produce request's `acks` field.
    ///
    /// # Examples
    ///
    /// ```
    /// use franzl_core::messages::Acks;
    /// assert_eq!([Acks::None, Acks::Leader, Acks::All].map(Acks::value), [0, 1, -1]);
    /// assert_eq!(Acks::All.property_value(), "all");
    /// ```
    pub const fn value(self) -> i16 {
        match self {
            Self::None => 0,
            Self::Leader => 1,
            Self::All => -1,
        }
    }

    /// The value of the `acks` property (Java client, librdkafka) that selects this: `0`, `1`
    /// or `all`.
    pub const fn property_value(self) -> &'static str {
        match self {
            Self::None => "0",
            Self::Leader => "1",
            Self::All => "all",
        }
    }
}
