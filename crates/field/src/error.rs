//! Errors of this crate. They carry lengths and positions only, never a value.

/// Why bytes could not be decoded into field elements, or slices could not be combined.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// A single element's encoding has the wrong length.
    #[error("field element encoding has {actual} bytes, expected {expected}")]
    WrongLength {
        /// Bytes the encoding must have.
        expected: usize,
        /// Bytes received.
        actual: usize,
    },
    /// A vector's encoding is not a whole number of elements.
    #[error("encoded vector of {len} bytes is not a multiple of the element size {element_bytes}")]
    LengthNotMultiple {
        /// Bytes received.
        len: usize,
        /// Bytes per element.
        element_bytes: usize,
    },
    /// An encoded integer is not a canonical element (for `Fp`: it is ≥ p).
    #[error("element {index} of the encoding is not canonical (value out of range)")]
    NonCanonical {
        /// Position of the offending element in the vector (0 for a single element).
        index: usize,
    },
    /// Two slices that must have the same length do not.
    #[error("slice lengths differ: {left} and {right}")]
    LengthMismatch {
        /// Length of the first slice.
        left: usize,
        /// Length of the second slice.
        right: usize,
    },
}

/// Why a real number could not be encoded as a fixed-point field element, or why fixed-point
/// parameters are invalid.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FixedPointError {
    /// The input is NaN.
    #[error("cannot encode NaN as a fixed-point value")]
    NotANumber,
    /// The input is +∞ or −∞.
    #[error("cannot encode an infinite value as a fixed-point value")]
    Infinite,
    /// |x| · 2^f ≥ 2^(k−1): the value does not fit in the integer range.
    #[error("value out of fixed-point range: |x| must be < 2^{max_magnitude_log2}")]
    OutOfRange {
        /// k − 1 − f: the encodable magnitude is below 2 to this power.
        max_magnitude_log2: i64,
    },
    /// The parameters (f fractional bits, k total bits) are unusable.
    #[error(
        "invalid fixed-point parameters: f = {frac_bits}, k = {int_bits} (need 0 ≤ f < k ≤ 126)"
    )]
    InvalidParameters {
        /// Fractional bits requested.
        frac_bits: u32,
        /// Total bits requested.
        int_bits: u32,
    },
}
