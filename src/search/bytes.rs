//! Scans of bytes that the compiler turns into vector compares.

/// Whether any of `bytes` is one `wanted` picks. Looks at every byte, with
/// no branch to stop early, which the compiler turns into vector compares
/// sixteen bytes at a time: a byte at a time, with a branch per byte, was
/// most of escaping text that (nearly always) has nothing to escape.
#[inline]
pub fn any(bytes: &[u8], wanted: impl Fn(u8) -> bool) -> bool {
    bytes.iter().fold(false, |any, &byte| any | wanted(byte))
}

#[cfg(test)]
mod tests {
    /// A wanted byte is found wherever it stands, in texts of lengths
    /// around those the compiler's vector loop splits into sixteen-byte
    /// steps and a rest.
    #[test]
    fn a_wanted_byte_is_found_anywhere() {
        let wanted = |byte: u8| byte == b'"' || byte < 0x20;
        for len in [0, 1, 15, 16, 17, 31, 32, 40] {
            let plain = "ž".repeat(len / 2) + &"a".repeat(len % 2);
            assert!(!super::any(plain.as_bytes(), wanted), "{len}");
            for at in 0..plain.len() {
                for byte in [b'"', b'\n', 0] {
                    let mut bytes = plain.clone().into_bytes();
                    bytes[at] = byte;
                    assert!(super::any(&bytes, wanted), "{len} {at} {byte}");
                }
            }
        }
    }
}
