//! The 64-bit FNV-1a hash: stable across processes, versions and machines (unlike `Hash`), for
//! what must come out the same wherever it is computed: a deferred run's ledger key, a run's
//! Sentry check-in id.

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a of `bytes`.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_from(OFFSET_BASIS, bytes)
}

/// FNV-1a of `bytes` continued from the state `hash` (another hash's result gives a second,
/// independent-looking 64 bits of the same input).
pub(crate) fn fnv1a_from(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}
