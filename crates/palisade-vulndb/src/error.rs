/// Why a feed, or one record of it, could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{record}: {reason}")]
    Record { record: String, reason: String },
    #[error("{pack}: member {member} is larger than the limit of {limit} bytes")]
    TooLarge {
        pack: String,
        member: String,
        limit: u64,
    },
}
