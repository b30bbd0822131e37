//! The key that signs the cookies which carry identity: 32 secret bytes,
//! from the configuration or from a file generated on first start. It is
//! read with the configuration, before anything speaks HTTP, so it lives
//! below the cookies that use it ([`super::cookies`] signs and checks with
//! it).

use std::{io::Write, path::Path};

use cookie::Key;

/// The key that signs cookies: 32 secret bytes, expanded into the signing
/// key the jar wants. Its bytes never appear in `Debug` output or in logs.
#[derive(Clone)]
pub struct SecretKey {
    master: [u8; 32],
    signing: Key,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(redacted)")
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &Self) -> bool {
        self.master == other.master
    }
}

impl SecretKey {
    fn from_bytes(master: [u8; 32]) -> Self {
        SecretKey { master, signing: Key::derive_from(&master) }
    }

    /// Parses a key written as 64 hexadecimal digits. The error never
    /// repeats the input.
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let mut bytes = [0u8; 32];
        let valid = text.len() == 64
            && text.is_ascii()
            && bytes.iter_mut().enumerate().all(|(at, byte)| {
                u8::from_str_radix(&text[2 * at..2 * at + 2], 16).map(|parsed| *byte = parsed).is_ok()
            });
        if valid {
            Ok(SecretKey::from_bytes(bytes))
        } else {
            Err("the secret key must be 64 hexadecimal digits (32 bytes)".into())
        }
    }

    /// A fresh key from the operating system's random source.
    pub fn generate() -> std::io::Result<Self> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
        Ok(SecretKey::from_bytes(bytes))
    }

    /// Reads the key from `path`, or, when there is no such file, generates
    /// one and writes it there (owner-only permissions), so the key survives
    /// restarts without ever being written in the code or the config.
    ///
    /// Instances started together may all find no file: each writes its key
    /// to a file of its own and links it to `path`, which only the first
    /// link creates, whole; the others read that one. So they all end up
    /// with the same key, and none ever reads a half-written file.
    pub fn load_or_create(path: &Path) -> std::io::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => SecretKey::from_hex(&text).map_err(|message| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {message}", path.display()))
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let key = SecretKey::generate()?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let mut own = path.as_os_str().to_owned();
                own.push(format!(".{}", uuid::Uuid::new_v4().simple()));
                let own = std::path::PathBuf::from(own);
                let written = key.write_new(&own).and_then(|()| std::fs::hard_link(&own, path));
                let _ = std::fs::remove_file(&own);
                match written {
                    Ok(()) => Ok(key),
                    Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => SecretKey::load_or_create(path),
                    Err(err) => Err(err),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// The key the cookie jar signs with.
    pub(super) fn signing(&self) -> &Key {
        &self.signing
    }

    /// Writes the key to a new file at `path`, readable by its owner only,
    /// and waits until it is on disk.
    fn write_new(&self, path: &Path) -> std::io::Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path)?;
        let hex: String = self.master.iter().map(|byte| format!("{byte:02x}")).collect();
        writeln!(file, "{hex}")?;
        file.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::from_hex(&"42".repeat(32)).unwrap()
    }

    #[test]
    fn a_malformed_hex_key_is_refused_without_echoing_it() {
        for text in ["abcd", &"zz".repeat(32), &"é".repeat(32)] {
            let message = SecretKey::from_hex(text).unwrap_err();
            assert!(!message.contains(text), "{message}");
        }
    }

    #[test]
    fn the_key_is_never_shown_in_debug_output() {
        assert_eq!(format!("{:?}", key()), "SecretKey(redacted)");
    }

    #[test]
    fn a_key_file_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/secret.key");
        let first = SecretKey::load_or_create(&path).unwrap();
        let second = SecretKey::load_or_create(&path).unwrap();
        assert_eq!(first, second);
        assert_eq!(std::fs::read_to_string(&path).unwrap().trim().len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    /// Instances started together on a new machine all end up with one key,
    /// and no file but the key is left behind.
    #[test]
    fn instances_creating_the_key_file_at_once_share_one_key() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("data/secret.key");
            let start = std::sync::Barrier::new(8);
            let keys: Vec<SecretKey> = std::thread::scope(|scope| {
                let racers: Vec<_> = (0..8)
                    .map(|_| {
                        scope.spawn(|| {
                            start.wait();
                            SecretKey::load_or_create(&path).unwrap()
                        })
                    })
                    .collect();
                racers.into_iter().map(|racer| racer.join().unwrap()).collect()
            });
            assert!(keys.iter().all(|key| *key == keys[0]));
            assert_eq!(SecretKey::load_or_create(&path).unwrap(), keys[0]);
            assert_eq!(std::fs::read_dir(dir.path().join("data")).unwrap().count(), 1);
        }
    }
}
