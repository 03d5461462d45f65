/**
 * The idle staging buffers: a closed writer's buffers go to the next writer
 * opened in the process (their pages are warm), within a bound.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { WalDirectory } from "../../src/wal/directory.ts";
import {
  dropIdleBuffers,
  giveBuffer,
  IDLE_LIMIT,
  idleBufferBytes,
  takeBuffer,
} from "../../src/wal/idle_buffers.ts";
import { RollingWriter } from "../../src/wal/rolling_writer.ts";
import { BLOCK_SIZE } from "../../src/format/constants.ts";
import { MemoryFileSystem } from "../helpers/memory_fs.ts";

const MiB = 1024 * 1024;

test("idle buffers: with none idle, a new buffer of the size asked for", () => {
  dropIdleBuffers();
  const buffer = takeBuffer(1000);
  assert.equal(buffer.length, 1000);
  assert.equal(idleBufferBytes(), 0);
});

test("idle buffers: a buffer given back is the next one taken, when it is large enough", () => {
  dropIdleBuffers();
  const buffer = new Uint8Array(4096);
  giveBuffer(buffer);
  assert.equal(idleBufferBytes(), 4096);
  assert.notEqual(takeBuffer(8192), buffer); // too small: a new one, and it stays idle
  assert.equal(idleBufferBytes(), 4096);
  assert.equal(takeBuffer(100), buffer);
  assert.equal(idleBufferBytes(), 0);
});

test("idle buffers: the largest are kept within the limit, and one larger than the limit is dropped", () => {
  dropIdleBuffers();
  const big = new Uint8Array(IDLE_LIMIT / 2);
  const medium = new Uint8Array(IDLE_LIMIT / 4);
  const small = new Uint8Array(IDLE_LIMIT / 8);
  giveBuffer(small);
  giveBuffer(big);
  giveBuffer(medium);
  giveBuffer(new Uint8Array(IDLE_LIMIT / 4));
  assert.equal(idleBufferBytes(), IDLE_LIMIT); // big + two mediums; small went
  giveBuffer(new Uint8Array(IDLE_LIMIT + 1));
  assert.equal(idleBufferBytes(), IDLE_LIMIT);
  assert.equal(takeBuffer(1), big);
  assert.equal(takeBuffer(1).length, IDLE_LIMIT / 4);
  assert.equal(takeBuffer(1).length, IDLE_LIMIT / 4);
  assert.equal(idleBufferBytes(), 0);
});

test("idle buffers: a closed rolling writer's staging buffers, grown by a large append, serve the next writer", async () => {
  dropIdleBuffers();
  const fs = new MemoryFileSystem();
  const dir = await WalDirectory.open(fs, "/a", 256 * BLOCK_SIZE);
  const writer = await RollingWriter.open(dir, { fileNumber: 0, offset: 0 });
  for (let i = 0; i < 64; i++) writer.reserve(BLOCK_SIZE); // 2 MiB staged: the buffer grows
  const grown = writer.buffer;
  assert.equal(grown.length, 2 * MiB);
  await writer.close();
  assert.equal(idleBufferBytes(), 2 * MiB + 64 * 1024); // and the spare, never grown
  const next = await RollingWriter.open(
    await WalDirectory.open(fs, "/b", 256 * BLOCK_SIZE),
    { fileNumber: 0, offset: 0 },
  );
  assert.equal(next.buffer, grown);
  await next.close();
  dropIdleBuffers();
});
