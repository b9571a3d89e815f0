//! How long the names the module makes can get: the function's environment holds some of them,
//! and its size is a quota (`quotas.rs`).

/// The longest `local.name`: a 32-character prefix, `-`, a 20-character environment.
pub(crate) const LONGEST_NAME: usize = 32 + 1 + 20;

/// The longest `arn:<partition>:<service>:<region>:<account>:` of the services the function's
/// variables name (partition `aws-us-gov`, service `scheduler`, a region of up to 20).
pub(crate) const LONGEST_ARN_PREFIX: usize =
    "arn:aws-us-gov:scheduler:".len() + 20 + ":".len() + 12 + ":".len();
