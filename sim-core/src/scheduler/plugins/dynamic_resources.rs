//! DynamicResources (DRA, on by default since v1.34): its PostFilter runs before preemption to
//! free ResourceClaims; the simulation has no claims, so it only says so, as the real plugin
//! does for a pod without claims.

/// The PostFilter's answer for a pod without ResourceClaims; it leads the FailedScheduling
/// message's PostFilter part (`… no new claims to deallocate, preemption: …`).
pub const NO_CLAIMS: &str = "no new claims to deallocate";
