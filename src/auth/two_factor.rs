//! Two-factor sign-in, the pure parts: TOTP codes (RFC 6238: HMAC-SHA-1, 6 digits, 30 s steps,
//! one step of clock skew either way) through `totp-rs`, the QR code of the `otpauth://` URL as
//! inline SVG, single-use recovery codes (only their SHA-256 is stored: they are 60 random
//! bits, so a slow hash adds nothing), and the sealing of secrets at rest.
//!
//! Secrets are sealed with AES-256-GCM under a key derived from the server's secret key (the
//! cookie key: `AMPFLUX_SECRET_KEY` or `<data dir>/secret.key`), so a copy of the database alone
//! does not give them away. Replacing that key makes every stored secret unreadable: the users
//! concerned sign in with a recovery code, or an administrator resets their two-factor sign-in.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Totp};

/// Shown in authenticator apps beside the account name.
pub const ISSUER: &str = "AmpFlux";
/// Recovery codes given at once.
pub const RECOVERY_CODES: usize = 10;
/// Bytes of a new secret (160 bits, as RFC 4226 recommends).
const SECRET_BYTES: usize = 20;
const STEP_SECONDS: u64 = 30;
/// AES-GCM nonce length.
const NONCE_BYTES: usize = 12;

/// The key that seals TOTP secrets. Its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct SealingKey([u8; 32]);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(..)")
    }
}

impl SealingKey {
    /// Derives the key from the server's master key (a domain-separated SHA-256).
    pub fn derive(master: &[u8]) -> SealingKey {
        let mut h = Sha256::new();
        h.update(b"ampflux/two-factor/secret-sealing/v1\0");
        h.update(master);
        SealingKey(h.finalize().into())
    }

    /// Seals `plain` as hex of nonce || ciphertext.
    pub fn seal(&self, plain: &[u8]) -> Result<String, SealError> {
        let cipher = Aes256Gcm::new_from_slice(&self.0).map_err(|_| SealError)?;
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|_| SealError)?;
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), plain)
            .map_err(|_| SealError)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(hex::encode(out))
    }

    /// The plain bytes of a sealed value; an error for anything tampered with or sealed under
    /// another key.
    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, SealError> {
        let bytes = hex::decode(sealed).map_err(|_| SealError)?;
        if bytes.len() <= NONCE_BYTES {
            return Err(SealError);
        }
        let (nonce, body) = bytes.split_at(NONCE_BYTES);
        let cipher = Aes256Gcm::new_from_slice(&self.0).map_err(|_| SealError)?;
        cipher
            .decrypt(Nonce::from_slice(nonce), body)
            .map_err(|_| SealError)
    }
}

/// A secret could not be sealed or opened (tampered with, or sealed under another server key).
#[derive(Debug, thiserror::Error)]
#[error("the two-factor secret cannot be read with this server's secret key")]
pub struct SealError;

/// A new random secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    getrandom::fill(&mut secret).expect("the operating system's random source failed");
    secret
}

fn totp(secret: &[u8], account: &str) -> Option<Totp> {
    // The account name may not hold a colon (it separates issuer and account in the URL).
    let account: String = account.chars().filter(|c| *c != ':').collect();
    Builder::new()
        .with_secret(secret.to_vec())
        .with_step_duration(STEP_SECONDS)
        .with_skew(1)
        .with_digits(6)
        .with_issuer(Some(ISSUER))
        .with_account_name(account)
        .build()
        .ok()
}

/// Seconds since the Unix epoch now.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The time step (30 s) a code typed at `time` matches, within one step either way; `None` for
/// a wrong or malformed code. Spaces in the code are ignored.
pub fn check_code(secret: &[u8], code: &str, time: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp(secret, "")?.check(&code, time)
}

/// The code of the time at `time` (for tests and the shell).
pub fn code_at(secret: &[u8], time: u64) -> Option<String> {
    Some(totp(secret, "")?.generate(time).to_string())
}

/// Does this look like a TOTP code (six digits, spaces allowed) rather than a recovery code?
pub fn looks_like_totp(input: &str) -> bool {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The secret in base32 (what authenticator apps take when typed), in groups of four.
pub fn secret_text(secret: &[u8]) -> String {
    let b32 = totp_rs::Secret::from(secret.to_vec()).to_base32();
    b32.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The secret of a key as shown by `secret_text` (or typed: spaces and case do not matter).
pub fn secret_from_text(text: &str) -> Option<Vec<u8>> {
    let b32: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    totp_rs::Secret::try_from_base32(b32)
        .ok()
        .map(|s| s.as_bytes().to_vec())
}

/// The `otpauth://totp/...` URL an authenticator app reads from the QR code.
pub fn otpauth_url(secret: &[u8], account: &str) -> Option<String> {
    totp(secret, account)?.to_url().ok()
}

/// The QR code of `url` as an inline `<svg>` element (no XML declaration, no style: it renders
/// under the page's CSP), labelled for assistive technology.
pub fn qr_svg(url: &str) -> Option<String> {
    use qrcode::render::svg;
    let code =
        qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M).ok()?;
    let svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let start = svg.find("<svg")?;
    Some(svg[start..].replacen(
        "<svg ",
        "<svg class=\"qr\" role=\"img\" aria-label=\"QR code for your authenticator app\" ",
        1,
    ))
}

/// Letters and digits of recovery codes: no 0/o, 1/l/i, which are easy to misread.
const RECOVERY_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";

/// New recovery codes, each `xxxx-xxxx-xxxx` (12 characters of a 31-letter alphabet: 59 bits).
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut raw = [0u8; 12];
            getrandom::fill(&mut raw).expect("the operating system's random source failed");
            let chars: Vec<char> = raw
                .iter()
                .map(|b| {
                    // 256 % 31 = 8: the first 8 letters are a little more likely (by 1/32);
                    // harmless for 59 bits.
                    RECOVERY_ALPHABET[*b as usize % RECOVERY_ALPHABET.len()] as char
                })
                .collect();
            chars
                .chunks(4)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// A recovery code as typed, reduced to what is stored: lowercase letters and digits.
pub fn normalize_recovery(input: &str) -> String {
    input
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .take(64)
        .collect()
}

/// The stored hash of a recovery code (as typed or as given).
pub fn recovery_hash(code: &str) -> String {
    crate::util::sha256_hex(format!("ampflux-recovery:{}", normalize_recovery(code)).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1, truncated to 6 digits.
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59).as_deref(), Some("287082"));
        assert_eq!(code_at(secret, 1111111109).as_deref(), Some("081804"));
        assert_eq!(code_at(secret, 1234567890).as_deref(), Some("005924"));
        assert_eq!(check_code(secret, "287 082", 59), Some(1));
        // One step of skew either way, no more.
        assert_eq!(check_code(secret, "287082", 59 + 30), Some(1));
        assert_eq!(check_code(secret, "287082", 59 + 60), None);
        assert_eq!(check_code(secret, "28708", 59), None);
        assert_eq!(check_code(secret, "abcdef", 59), None);
    }

    #[test]
    fn sealing_round_trips_and_detects_tampering() {
        let key = SealingKey::derive(&[7u8; 64]);
        let sealed = key.seal(b"secret").unwrap();
        assert_ne!(
            sealed,
            key.seal(b"secret").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(key.open(&sealed).unwrap(), b"secret");
        let other = SealingKey::derive(&[8u8; 64]);
        assert!(other.open(&sealed).is_err());
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        assert!(key.open(&String::from_utf8(tampered).unwrap()).is_err());
        assert!(key.open("zz").is_err());
        assert_eq!(format!("{key:?}"), "SealingKey(..)");
    }

    #[test]
    fn recovery_codes_are_distinct_and_normalize() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 14 && c.matches('-').count() == 2)
        );
        assert_eq!(
            recovery_hash(&codes[0]),
            recovery_hash(&format!(" {} ", codes[0].to_uppercase().replace('-', " ")))
        );
        assert!(looks_like_totp("123 456"));
        assert!(!looks_like_totp(&codes[0]));
    }

    #[test]
    fn qr_and_url() {
        let secret = new_secret();
        let url = otpauth_url(&secret, "ada@example.com").unwrap();
        assert!(
            url.starts_with("otpauth://totp/AmpFlux:ada%40example.com?"),
            "{url}"
        );
        let svg = qr_svg(&url).unwrap();
        assert!(svg.starts_with("<svg class=\"qr\" role=\"img\""), "{svg}");
        assert!(!svg.contains("style"));
        assert_eq!(secret_text(&secret).replace(' ', "").len(), 32);
        assert_eq!(
            secret_from_text(&secret_text(&secret).to_lowercase()),
            Some(secret)
        );
    }
}
