//! Reading chunk headers and small chunk bodies at known offsets.
//!
//! Both containers are lists of `id, size, body` chunks (RIFF little-endian,
//! IFF big-endian), bodies padded to an even length. Only headers and small
//! bodies are ever read through here; a size a header claims is checked against
//! the real length of the file before anything is read or allocated.

use std::io::{Read, Seek, SeekFrom};

use crate::error::Fault;

/// A chunk header: four-character id and the size it claims.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChunkHeader {
    pub id: [u8; 4],
    pub size: u64,
    /// Offset of the body's first byte.
    pub body: u64,
}

/// A reader positioned by offset over a source of known length.
pub(crate) struct Source<'a, R> {
    inner: &'a mut R,
    len: u64,
}

impl<'a, R: Read + Seek> Source<'a, R> {
    pub fn new(inner: &'a mut R, len: u64) -> Self {
        Self { inner, len }
    }

    /// Length of the whole source in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Fills `buf` from `offset`; the caller has checked that the bytes exist.
    pub fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), Fault> {
        self.inner.seek(SeekFrom::Start(offset))?;
        self.inner.read_exact(buf)?;
        Ok(())
    }

    /// Reads up to `max` bytes from `offset`, fewer at the end of the source.
    pub fn read_upto(&mut self, offset: u64, max: usize) -> Result<Vec<u8>, Fault> {
        let n = self.len.saturating_sub(offset).min(max as u64) as usize;
        let mut buf = vec![0u8; n];
        self.read_at(offset, &mut buf)?;
        Ok(buf)
    }

    /// The chunk header at `offset`, or `None` if fewer than 8 bytes remain.
    pub fn header(&mut self, offset: u64, big_endian: bool) -> Result<Option<ChunkHeader>, Fault> {
        if offset.saturating_add(8) > self.len {
            return Ok(None);
        }
        let mut b = [0u8; 8];
        self.read_at(offset, &mut b)?;
        let size_bytes = [b[4], b[5], b[6], b[7]];
        let size = if big_endian {
            u32::from_be_bytes(size_bytes)
        } else {
            u32::from_le_bytes(size_bytes)
        };
        Ok(Some(ChunkHeader {
            id: [b[0], b[1], b[2], b[3]],
            size: u64::from(size),
            body: offset + 8,
        }))
    }

    /// Whether four bytes at `offset` look like a chunk id (printable ASCII).
    pub fn looks_like_id(&mut self, offset: u64) -> Result<bool, Fault> {
        if offset.saturating_add(8) > self.len {
            return Ok(false);
        }
        let mut b = [0u8; 4];
        self.read_at(offset, &mut b)?;
        Ok(b.iter().all(|c| (0x20..0x7f).contains(c)))
    }

    /// Offset of the chunk after `chunk`: body, size and the pad byte after an
    /// odd size. Some writers omit that pad; when the padded position holds no
    /// chunk id but the unpadded one does, the unpadded one is taken.
    pub fn next_chunk(&mut self, chunk: &ChunkHeader) -> Result<u64, Fault> {
        let end = chunk.body + chunk.size;
        if chunk.size.is_multiple_of(2) {
            return Ok(end);
        }
        if !self.looks_like_id(end + 1)? && self.looks_like_id(end)? {
            Ok(end)
        } else {
            Ok(end + 1)
        }
    }
}

/// A chunk id for messages: printable ASCII, other bytes as `.`.
pub(crate) fn id_text(id: &[u8; 4]) -> String {
    id.iter()
        .map(|&c| {
            if (0x20..0x7f).contains(&c) {
                char::from(c)
            } else {
                '.'
            }
        })
        .collect()
}

/// Little-endian u16 at `at` (caller guarantees the bytes exist).
pub(crate) fn le_u16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

/// Little-endian u32 at `at` (caller guarantees the bytes exist).
pub(crate) fn le_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Big-endian u16 at `at` (caller guarantees the bytes exist).
pub(crate) fn be_u16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Big-endian u32 at `at` (caller guarantees the bytes exist).
pub(crate) fn be_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
