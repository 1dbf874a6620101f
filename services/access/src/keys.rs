//! API keys: `pv_<key id>_<secret>`, 256 random bits of secret, stored only as a SHA-256 hash.
//!
//! A plain hash is enough because the secret is random and long: there is nothing to guess
//! that a slow hash would protect. The key id is not secret; it names the key in logs, in
//! 403 messages and in the event log.

use sha2::{Digest, Sha256};

/// A new key; `token` is shown once and never stored.
#[derive(Debug)]
pub struct GeneratedKey {
    pub key_id: String,
    pub token: String,
    pub hash: String,
}

/// Lower-case hex of `bytes`, in one allocation (every authenticated request makes one).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// `n_bytes` from the operating system's random source, in hex.
pub fn random_hex(n_bytes: usize) -> String {
    let mut buf = vec![0u8; n_bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source works");
    hex(&buf)
}

pub fn generate_key() -> GeneratedKey {
    let key_id = random_hex(6);
    let token = format!("pv_{key_id}_{}", random_hex(32));
    let hash = hash_key(&token);
    GeneratedKey { key_id, token, hash }
}

/// The stored form of a key.
pub fn hash_key(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// The key id inside a token, if the token has the key form at all.
pub fn key_id_of(token: &str) -> Option<&str> {
    let rest = token.strip_prefix("pv_")?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 12 && secret.len() == 64 && id.bytes().chain(secret.bytes()).all(|b| b.is_ascii_hexdigit()))
        .then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_long_and_read_back_their_id() {
        let a = generate_key();
        let b = generate_key();
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 3 + 12 + 1 + 64, "256 bits of secret");
        assert_eq!(key_id_of(&a.token), Some(a.key_id.as_str()));
        assert_eq!(hash_key(&a.token), a.hash);
        assert_ne!(a.hash, a.token);
    }

    #[test]
    fn a_key_is_stored_as_the_hex_of_its_sha_256() {
        // The FIPS 180-2 test vector.
        assert_eq!(hash_key("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(hex(&[0x00, 0x0f, 0xf0, 0xff]), "000ff0ff");
    }

    #[test]
    fn malformed_tokens_have_no_key_id() {
        for t in ["", "pv_", "pv_abc_def", "Bearer x", &format!("pv_{}_{}", "g".repeat(12), "0".repeat(64))] {
            assert_eq!(key_id_of(t), None, "{t}");
        }
    }
}
