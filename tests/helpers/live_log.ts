/**
 * The log a writer keeps busy while read-only opens check it (see
 * tests/log/read_only_live.test.ts and its child live_writer_child.ts).
 */
import assert from "node:assert/strict";
import type { MultiRecordLog } from "../../mod.ts";
import { pseudoRandomBytes } from "./temp.ts";

/** Bytes per wal file of the log. */
export const LIVE_FILE_SIZE = 32768 * 2;

/** The payload at `position` of queue "quiet" (50 bytes) or "busy" (6000 bytes). */
export function livePayload(queue: string, position: number): Uint8Array {
  return queue === "busy"
    ? pseudoRandomBytes(6000, 1 + position)
    : pseudoRandomBytes(50, 1_000_000 + position);
}

/**
 * Checks what a read-only open returned: each queue contiguous with the
 * right payloads, up to at least the position acknowledged before the open
 * began (`acked`); "quiet" from 0, "busy" from at most one past the highest
 * truncation made before the open ended (`truncatedAtEnd`).
 */
export function checkLiveLog(
  reader: MultiRecordLog,
  acked: { quiet: number; busy: number },
  truncatedAtEnd: number,
  what: string,
): void {
  for (const queue of ["quiet", "busy"] as const) {
    const records = [...reader.range(queue)];
    const positions = records.map((r) => r.position);
    const first = positions[0] ?? (reader.lastPosition(queue) ?? -1) + 1;
    assert.deepEqual(positions, Array.from({ length: positions.length }, (_, i) => first + i));
    if (queue === "quiet") assert.equal(first, 0, `${what}: quiet starts at ${first}`);
    else assert.ok(first <= truncatedAtEnd + 1, `${what}: busy starts at ${first}`);
    const last = positions.at(-1) ?? first - 1;
    assert.ok(last >= acked[queue], `${what}: ${queue} ends at ${last}, acked ${acked[queue]}`);
    for (const r of records) assert.deepEqual(r.payload, livePayload(queue, r.position));
  }
}
