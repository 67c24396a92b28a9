//! On-disk cache of feature vectors, keyed by file content and feature configuration.
//!
//! One file per (content, configuration) pair, named
//! `{content hash:032x}-{configuration hash:016x}.feat`, holding (little endian):
//! magic `SERFEAT1`, the 128-bit content hash, the source's length in bytes, the full
//! configuration string, the values (`f32`), and a 64-bit checksum of all of that. An entry
//! is used only when every field matches and the checksum holds; anything else (truncated,
//! edited, from another configuration, a hash collision) is *stale or corrupt*: the caller
//! recomputes and overwrites it. Writes go to a temporary file renamed into place, so a crash
//! never leaves a half-written entry under the final name; a write that fails (a full disk, a
//! refused rename) removes its temporary file.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const MAGIC: &[u8; 8] = b"SERFEAT1";

/// FNV-1a, 128-bit (Fowler, Noll, Vo): a stable hash of bytes, the same on every platform.
pub fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u128::from(b)).wrapping_mul(PRIME))
}

/// FNV-1a, 64-bit.
pub fn fnv1a_64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

/// What looking up an entry found.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// A valid entry.
    Hit(Vec<f32>),
    /// No entry.
    Miss,
    /// An entry that does not check out (recompute, never trust).
    Invalid(String),
}

/// A cache folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureCache {
    dir: PathBuf,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl FeatureCache {
    /// A cache in `dir` (created by [`FeatureCache::create`]).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Creates the folder if needed.
    ///
    /// # Errors
    /// The I/O error of creating it.
    pub fn create(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of the entry for a content hash and configuration.
    pub fn entry_path(&self, content: u128, config: &str) -> PathBuf {
        self.dir.join(format!(
            "{content:032x}-{:016x}.feat",
            fnv1a_64(config.as_bytes())
        ))
    }

    /// Looks an entry up.
    pub fn get(&self, content: u128, source_len: u64, config: &str) -> Lookup {
        let path = self.entry_path(content, config);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Lookup::Miss,
            Err(e) => return Lookup::Invalid(format!("cannot read {}: {e}", path.display())),
        };
        match decode(&bytes, content, source_len, config) {
            Ok(v) => Lookup::Hit(v),
            Err(why) => Lookup::Invalid(format!("{}: {why}", path.display())),
        }
    }

    /// Stores an entry (atomically: temporary file, then rename).
    ///
    /// A failed write (a full disk, a rename refused) removes its temporary
    /// file before returning the error, so failures leave nothing behind.
    ///
    /// # Errors
    /// The I/O error of writing or renaming.
    pub fn put(
        &self,
        content: u128,
        source_len: u64,
        config: &str,
        values: &[f32],
    ) -> std::io::Result<()> {
        let path = self.entry_path(content, config);
        let tmp = self.dir.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = std::fs::write(&tmp, encode(content, source_len, config, values))
            .and_then(|()| std::fs::rename(&tmp, &path));
        if written.is_err() {
            // The write may have created the file before failing (e.g. no space
            // left for its contents); a failed rename leaves it too. Either way
            // it goes; the write's own error is the one reported.
            let _ = std::fs::remove_file(&tmp);
        }
        written
    }
}

fn encode(content: u128, source_len: u64, config: &str, values: &[f32]) -> Vec<u8> {
    let mut b = Vec::with_capacity(48 + config.len() + 4 * values.len());
    b.extend_from_slice(MAGIC);
    b.extend_from_slice(&content.to_le_bytes());
    b.extend_from_slice(&source_len.to_le_bytes());
    b.extend_from_slice(&(config.len() as u64).to_le_bytes());
    b.extend_from_slice(config.as_bytes());
    b.extend_from_slice(&(values.len() as u64).to_le_bytes());
    for v in values {
        b.extend_from_slice(&v.to_le_bytes());
    }
    let sum = fnv1a_64(&b);
    b.extend_from_slice(&sum.to_le_bytes());
    b
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or_else(|| "entry is cut short".to_string())?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u64(&mut self) -> Result<u64, String> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }
}

fn decode(b: &[u8], content: u128, source_len: u64, config: &str) -> Result<Vec<f32>, String> {
    if b.len() < 8 + 8 {
        return Err("entry is cut short".into());
    }
    let (body, sum) = b.split_at(b.len() - 8);
    let mut s = [0u8; 8];
    s.copy_from_slice(sum);
    if fnv1a_64(body) != u64::from_le_bytes(s) {
        return Err("checksum does not match".into());
    }
    let mut r = Reader { b: body, pos: 0 };
    if r.take(8)? != MAGIC {
        return Err("not a feature cache entry".into());
    }
    let mut h = [0u8; 16];
    h.copy_from_slice(r.take(16)?);
    if u128::from_le_bytes(h) != content {
        return Err("made from other file content".into());
    }
    if r.u64()? != source_len {
        return Err("made from a file of another length".into());
    }
    let n = usize::try_from(r.u64()?).map_err(|_| "configuration length too large".to_string())?;
    if r.take(n)? != config.as_bytes() {
        return Err("made with another feature configuration".into());
    }
    let n = usize::try_from(r.u64()?).map_err(|_| "value count too large".to_string())?;
    let raw = r.take(n.checked_mul(4).ok_or("value count too large")?)?;
    if r.pos != body.len() {
        return Err("trailing bytes".into());
    }
    let values: Vec<f32> = raw
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if values.iter().any(|v| !v.is_finite()) {
        return Err("holds non-finite values".into());
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_reference_values() {
        // Published FNV-1a test values (empty string = offset basis; "a").
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(fnv1a_128(b""), 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d);
        assert_ne!(fnv1a_128(b"ab"), fnv1a_128(b"ba"));
    }

    fn tmp(name: &str) -> FeatureCache {
        let d = std::env::temp_dir().join(format!("ser-data-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let c = FeatureCache::new(d);
        c.create().unwrap();
        c
    }

    #[test]
    fn round_trip_and_every_kind_of_damage_is_refused() {
        let c = tmp("damage");
        let v = vec![1.5f32, -2.0, 3.25e-7];
        assert_eq!(c.get(7, 100, "mfcc40"), Lookup::Miss);
        c.put(7, 100, "mfcc40", &v).unwrap();
        assert_eq!(c.get(7, 100, "mfcc40"), Lookup::Hit(v.clone()));
        // other length, other config (same file name only if the config hash collides: force it)
        assert!(matches!(c.get(7, 101, "mfcc40"), Lookup::Invalid(_)));
        assert_eq!(c.get(7, 100, "enriched"), Lookup::Miss);
        let path = c.entry_path(7, "mfcc40");
        let good = std::fs::read(&path).unwrap();
        // truncation
        std::fs::write(&path, &good[..good.len() - 3]).unwrap();
        assert!(matches!(c.get(7, 100, "mfcc40"), Lookup::Invalid(_)));
        // one flipped bit in a value
        let mut bad = good.clone();
        let i = bad.len() - 10;
        bad[i] ^= 1;
        std::fs::write(&path, &bad).unwrap();
        assert!(matches!(c.get(7, 100, "mfcc40"), Lookup::Invalid(w) if w.contains("checksum")));
        // garbage
        std::fs::write(&path, b"hello").unwrap();
        assert!(matches!(c.get(7, 100, "mfcc40"), Lookup::Invalid(_)));
        // an entry for other content copied under this name
        c.put(8, 100, "mfcc40", &v).unwrap();
        std::fs::copy(c.entry_path(8, "mfcc40"), &path).unwrap();
        assert!(
            matches!(c.get(7, 100, "mfcc40"), Lookup::Invalid(w) if w.contains("other file content"))
        );
        // rewriting repairs it
        c.put(7, 100, "mfcc40", &v).unwrap();
        assert_eq!(c.get(7, 100, "mfcc40"), Lookup::Hit(v));
        std::fs::remove_dir_all(c.dir()).unwrap();
    }

    /// Names in the cache folder that are temporary files.
    fn leftovers(c: &FeatureCache) -> Vec<String> {
        std::fs::read_dir(c.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".tmp-"))
            .collect()
    }

    /// A rename that fails (the entry's name is taken by a non-empty folder)
    /// leaves no temporary file.
    #[test]
    fn failed_rename_leaves_no_temporary_file() {
        let c = tmp("rename");
        let blocker = c.entry_path(3, "mfcc40");
        std::fs::create_dir_all(blocker.join("inside")).unwrap();
        let e = c.put(3, 10, "mfcc40", &[1.0, 2.0]).unwrap_err();
        assert_ne!(e.kind(), std::io::ErrorKind::NotFound, "{e}");
        assert!(leftovers(&c).is_empty(), "{:?}", leftovers(&c));
        assert!(blocker.join("inside").is_dir());
        assert!(matches!(c.get(3, 10, "mfcc40"), Lookup::Invalid(_)));
        std::fs::remove_dir_all(c.dir()).unwrap();
    }

    /// A write that fails for lack of space (the temporary name is a link to
    /// `/dev/full`, where every write fails with ENOSPC) removes its temporary
    /// file; other entries stay usable.
    #[cfg(target_os = "linux")]
    #[test]
    fn failed_write_on_a_full_disk_leaves_no_temporary_file() {
        let full = Path::new("/dev/full");
        assert!(full.exists(), "this test needs /dev/full");
        let c = tmp("full");
        c.put(1, 1, "x", &[0.5]).unwrap();
        // The next temporary names this process will use (other tests may take
        // some of the counter's values meanwhile: link a wide range).
        let next = TMP_COUNTER.load(Ordering::Relaxed);
        let names: Vec<String> = (next..next + 256)
            .map(|n| format!(".tmp-{}-{n}", std::process::id()))
            .collect();
        for n in &names {
            std::os::unix::fs::symlink(full, c.dir().join(n)).unwrap();
        }
        let e = c.put(2, 1, "x", &[1.0; 1000]).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::StorageFull, "{e}");
        // Exactly the link that was written through is gone; remove the rest.
        let left = leftovers(&c);
        assert_eq!(left.len(), names.len() - 1, "{left:?}");
        for n in &left {
            std::fs::remove_file(c.dir().join(n)).unwrap();
        }
        assert!(leftovers(&c).is_empty());
        assert_eq!(c.get(2, 1, "x"), Lookup::Miss);
        assert_eq!(c.get(1, 1, "x"), Lookup::Hit(vec![0.5]));
        assert!(full.exists(), "the device itself is untouched");
        std::fs::remove_dir_all(c.dir()).unwrap();
    }

    #[test]
    fn non_finite_values_are_never_served() {
        let c = tmp("nan");
        c.put(1, 1, "x", &[f32::NAN]).unwrap();
        assert!(matches!(c.get(1, 1, "x"), Lookup::Invalid(_)));
        std::fs::remove_dir_all(c.dir()).unwrap();
    }
}
