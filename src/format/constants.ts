/**
 * Constants of the on-disk format (see docs/FORMAT.md). Every other module
 * takes these numbers from here.
 *
 * @module
 */

/** Size of a block: frames never cross a block boundary. */
export const BLOCK_SIZE = 32_768;

/** Size of a frame header: crc32 (u32) · len (u16) · type (u8). */
export const FRAME_HEADER_SIZE = 7;

/** Largest payload one frame can carry (a frame alone in a block). */
export const MAX_FRAME_PAYLOAD = BLOCK_SIZE - FRAME_HEADER_SIZE;

/** Frame types. A record is one FULL frame, or FIRST, MIDDLE*, LAST. */
export const FRAME_FULL = 1;
export const FRAME_FIRST = 2;
export const FRAME_MIDDLE = 3;
export const FRAME_LAST = 4;

/** Record kinds (first byte of a reassembled record). */
export const RECORD_TRUNCATE = 1;
export const RECORD_POSITION = 2;
export const RECORD_DELETE_QUEUE = 3;
export const RECORD_APPEND = 4;

/** kind: u8 · position: u64 · queue_len: u16 */
export const RECORD_HEADER_SIZE = 11;

/** Each item of an AppendRecords body: position: u64 · len: u32 · payload. */
export const ITEM_HEADER_SIZE = 12;

/** Longest queue name, in UTF-8 bytes (queue_len is a u16). */
export const MAX_QUEUE_NAME_BYTES = 0xffff;

/** Largest payload of one appended record (the item's len is a u32). */
export const MAX_PAYLOAD_BYTES = 0xffff_ffff;

/** Default size of a wal file: 4096 blocks, as the Rust crate preallocates. */
export const DEFAULT_FILE_SIZE = 128 * 1024 * 1024;
